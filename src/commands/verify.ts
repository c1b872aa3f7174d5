/**
 * `auditrelay verify [LOG…] [--json]`: on the collector (or wherever its logs are), accounts for every
 * numbered auditrelay record: per device (the principal the collector authenticated) and daemon run,
 * records received, missing sequence ranges, re-sent records and duplicates, heartbeat gaps, whether the
 * run stopped cleanly and the time span; and, from the daemon's tallies, for the records of other programs
 * and of the kernel it forwarded. Exits 0 only when everything is accounted for (verdict.ts). With
 * `--state FILE` it carries its accounting over between runs and reads only what is new (verify-state.ts).
 */
import { dirname } from 'node:path';
import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { JSON_OPTION, LOGS_POSITIONAL } from './options.js';
import { makeOutput } from './output.js';

interface VerifyArgs {
  logs: string[];
  json: boolean;
  'as-of': string | undefined;
  state: string | undefined;
}

function asOf(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new AuditRelayError('USAGE_INVALID', `--as-of ${JSON.stringify(text)} is not a date (ISO 8601)`);
  return ms;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify [logs..]',
  describe: 'Account for every auditrelay record in the collector audit logs (0 = all accounted for)',
  builder: (yargs) =>
    yargs
      .positional('logs', LOGS_POSITIONAL)
      .option('as-of', {
        type: 'string',
        describe: 'Judge silent runs as of this time (ISO 8601; default now), e.g. for archived logs',
      })
      .option('state', {
        type: 'string',
        describe:
          'Remember where this run stopped in FILE and read only what is new next time (created if absent; mode 0600)',
      })
      .option('json', JSON_OPTION)
      .example('$0 verify', 'the local auditd logs, rotated ones included')
      .example(
        '$0 verify --state /var/lib/auditrelay-verify/verify.state',
        'from a timer: only what arrived since the last run',
      )
      .example('$0 verify --json /srv/audit/audit.log.2 /srv/audit/audit.log.1', 'two files, for a script'),
  handler: async (args) => {
    const at = asOf(args['as-of']);
    const { Ledger } = await import('../verify/ledger.js');
    const { ForeignLedger } = await import('../verify/foreign-ledger.js');
    const { Unwrapper } = await import('../verify/unwrap.js');
    const { rotatedHeads, logFiles, readNumberedRecords } = await import('../verify/collector-logs.js');
    const { loadState, markFiles, planRead, saveState, STATE_VERSION } = await import(
      '../verify/verify-state.js'
    );
    const { renderReport } = await import('../verify/report.js');
    const { findings } = await import('../verify/verdict.js');
    const files = logFiles(args.logs);
    const stateFile = args.state;
    const state = stateFile === undefined ? undefined : loadState(stateFile);
    const plan = planRead(files, rotatedHeads(files), state);
    const ledger =
      state === undefined
        ? new Ledger({ rotatedHeads: plan.rotatedHeads })
        : Ledger.fromState(state.ledger, { rotatedHeads: plan.rotatedHeads });
    const pending = { pending: stateFile !== undefined };
    const foreignLedger =
      state === undefined ? new ForeignLedger(pending) : ForeignLedger.fromState(state.foreign, pending);
    const unwrapper = state === undefined ? new Unwrapper() : Unwrapper.fromState(state.unwrapper);
    const read = readNumberedRecords(files, ledger, foreignLedger, { from: plan.from, unwrapper });
    const malformed = (state?.malformed ?? 0) + read.malformed;
    const oversized = (state?.oversized ?? 0) + read.oversized;
    const runs = ledger.report();
    if (stateFile !== undefined) {
      // Settle what can be, as of the newest record read (log time), then carry the rest over.
      foreignLedger.settle(runs.reduce((latest, r) => Math.max(latest, r.lastAt), 0));
      const dirs = new Set([...(state?.dirs ?? []), ...files.map((f) => dirname(f))]);
      saveState(stateFile, {
        version: STATE_VERSION,
        files: markFiles(files, read.ends),
        dirs: [...dirs],
        ledger: ledger.toState(),
        foreign: foreignLedger.toState(),
        unwrapper: unwrapper.toState(),
        malformed,
        oversized,
      });
    }
    const foreign = foreignLedger.report();
    const problems = findings(runs, foreign, at);
    const sum = (pick: (r: (typeof runs)[number]) => number) => runs.reduce((n, r) => n + pick(r), 0);
    const newBytes = read.ends.reduce((n, end, i) => n + end - (plan.from[i] ?? 0), 0);
    makeOutput(args.json).result(
      {
        ok: problems.length === 0,
        files,
        read_bytes: newBytes,
        resumed: state !== undefined,
        as_of: new Date(at).toISOString(),
        missing: sum((r) => r.missingCount),
        others_missing: foreign.reduce((n, r) => n + r.missingKernel + r.missingUser, 0),
        overruns: foreign.reduce((n, r) => n + r.overruns, 0),
        malformed,
        oversized,
        incompleteWrappers: read.incompleteWrappers,
        problems,
        runs,
        foreign,
      },
      renderReport({
        runs,
        foreign,
        files,
        readBytes: newBytes,
        resumed: state !== undefined,
        malformed,
        incompleteWrappers: read.incompleteWrappers,
        problems,
        asOfMs: at,
      }),
    );
    const first = problems[0];
    if (first !== undefined) throw new AuditRelayError(first.code, first.message);
  },
};
