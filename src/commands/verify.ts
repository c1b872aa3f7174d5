/**
 * `auditrelay verify [LOG…] [--json]`: on the collector (or wherever its logs are), accounts for every
 * numbered auditrelay record: per device (the principal the collector authenticated) and daemon run,
 * records received, missing sequence ranges, re-sent records and duplicates, heartbeat gaps, whether the
 * run stopped cleanly and the time span; and, from the daemon's tallies, for the records of other programs
 * and of the kernel it forwarded. Exits 0 only when everything is accounted for (verdict.ts).
 */
import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { JSON_OPTION, LOGS_POSITIONAL } from './options.js';
import { makeOutput } from './output.js';

interface VerifyArgs {
  logs: string[];
  json: boolean;
  'as-of': string | undefined;
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
      .option('json', JSON_OPTION)
      .example('$0 verify', 'the local auditd logs, rotated ones included')
      .example('$0 verify --json /srv/audit/audit.log.2 /srv/audit/audit.log.1', 'two files, for a script'),
  handler: async (args) => {
    const at = asOf(args['as-of']);
    const { Ledger } = await import('../verify/ledger.js');
    const { ForeignLedger } = await import('../verify/foreign-ledger.js');
    const { rotatedHeads, logFiles, readNumberedRecords } = await import('../verify/collector-logs.js');
    const { renderReport } = await import('../verify/report.js');
    const { findings } = await import('../verify/verdict.js');
    const files = logFiles(args.logs);
    const ledger = new Ledger({ rotatedHeads: rotatedHeads(files) });
    const foreignLedger = new ForeignLedger();
    const { malformed, incompleteWrappers } = readNumberedRecords(files, ledger, foreignLedger);
    const runs = ledger.report();
    const foreign = foreignLedger.report();
    const problems = findings(runs, foreign, at);
    const sum = (pick: (r: (typeof runs)[number]) => number) => runs.reduce((n, r) => n + pick(r), 0);
    makeOutput(args.json).result(
      {
        ok: problems.length === 0,
        files,
        as_of: new Date(at).toISOString(),
        missing: sum((r) => r.missingCount),
        others_missing: foreign.reduce((n, r) => n + r.missingKernel + r.missingUser, 0),
        overruns: foreign.reduce((n, r) => n + r.overruns, 0),
        malformed,
        incompleteWrappers,
        problems,
        runs,
        foreign,
      },
      renderReport({
        runs,
        foreign,
        files,
        malformed,
        incompleteWrappers,
        problems,
        asOfMs: at,
      }),
    );
    const first = problems[0];
    if (first !== undefined) throw new AuditRelayError(first.code, first.message);
  },
};
