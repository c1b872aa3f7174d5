/**
 * `auditrelay verify [LOG…] [--json]`: on the collector (or wherever its logs are), accounts for every
 * numbered auditrelay record: per device and daemon run, records received, missing sequence ranges,
 * re-sent records and duplicates, heartbeat gaps and the time span; and, from the daemon's tallies, for
 * the records of other programs and of the kernel it forwarded. Exits 0 only when nothing is missing.
 */
import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { JSON_OPTION, LOGS_POSITIONAL } from './options.js';
import { makeOutput } from './output.js';

interface VerifyArgs {
  logs: string[];
  json: boolean;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify [logs..]',
  describe: 'Account for every auditrelay record in the collector audit logs (0 = nothing missing)',
  builder: (yargs) =>
    yargs
      .positional('logs', LOGS_POSITIONAL)
      .option('json', JSON_OPTION)
      .example('$0 verify', 'the local auditd logs, rotated ones included')
      .example('$0 verify --json /srv/audit/audit.log.2 /srv/audit/audit.log.1', 'two files, for a script'),
  handler: async (args) => {
    const { Ledger } = await import('../verify/ledger.js');
    const { ForeignLedger } = await import('../verify/foreign-ledger.js');
    const { logFiles, readNumberedRecords } = await import('../verify/collector-logs.js');
    const { renderReport } = await import('../verify/report.js');
    const files = logFiles(args.logs);
    const ledger = new Ledger();
    const foreignLedger = new ForeignLedger();
    const { malformed, incompleteWrappers } = readNumberedRecords(files, ledger, foreignLedger);
    const runs = ledger.report();
    const foreign = foreignLedger.report();
    const missing = runs.reduce((n, r) => n + r.missingCount, 0);
    const othersMissing = foreign.reduce((n, r) => n + r.missingKernel + r.missingUser, 0);
    const overruns = foreign.reduce((n, r) => n + r.overruns, 0);
    const ok = missing === 0 && othersMissing === 0 && overruns === 0;
    makeOutput(args.json).result(
      {
        ok,
        files,
        missing,
        others_missing: othersMissing,
        overruns,
        malformed,
        incompleteWrappers,
        runs,
        foreign,
      },
      renderReport({ runs, foreign, files, malformed, incompleteWrappers }),
    );
    if (missing > 0)
      throw new AuditRelayError('VERIFY_RECORDS_MISSING', `${missing} auditrelay record(s) missing`);
    if (othersMissing > 0)
      throw new AuditRelayError(
        'VERIFY_OTHERS_MISSING',
        `${othersMissing} record(s) of other programs or the kernel that the devices forwarded are missing`,
      );
    if (overruns > 0)
      throw new AuditRelayError(
        'VERIFY_UNACCOUNTABLE',
        `the devices' taps missed records ${overruns} time(s): those records cannot be accounted for`,
      );
  },
};
