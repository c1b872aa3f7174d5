/**
 * What "all accounted for" means, as verify's exit status: every finding that leaves a record or a
 * stretch of a device's time unaccounted for is a problem with its own code; verify exits with the first.
 * A run is silent when it ended without the daemon's clean-stop heartbeat and its last record is older
 * than twice the heartbeat interval it announced (at `asOfMs`): its tail may be lost.
 *
 * @relation(AR-REQ-017)
 */
import type { KnownCode } from '../errors/codes.js';
import type { ForeignReport } from './foreign-ledger.js';
import type { RunReport } from './ledger.js';

export interface Finding {
  readonly code: KnownCode;
  readonly message: string;
}

/** Whether `run` went quiet without a clean stop, seen at `asOfMs`. */
export function isSilent(run: RunReport, asOfMs: number): boolean {
  return !run.stopped && run.heartbeatInterval > 0 && asOfMs - run.lastAt > 2 * run.heartbeatInterval * 1000;
}

/** Every problem in the reports, most serious first (verify exits with the first one's code). */
export function findings(
  runs: readonly RunReport[],
  foreign: readonly ForeignReport[],
  asOfMs: number,
): Finding[] {
  const sum = (pick: (r: RunReport) => number) => runs.reduce((n, r) => n + pick(r), 0);
  const out: Finding[] = [];
  const missing = sum((r) => r.missingCount);
  if (missing > 0)
    out.push({ code: 'VERIFY_RECORDS_MISSING', message: `${missing} auditrelay record(s) missing` });
  const others = foreign.reduce((n, f) => n + f.missingKernel + f.missingUser, 0);
  if (others > 0)
    out.push({
      code: 'VERIFY_OTHERS_MISSING',
      message: `${others} record(s) of other programs or the kernel that the devices forwarded are missing`,
    });
  const overruns = foreign.reduce((n, f) => n + f.overruns, 0);
  if (overruns > 0)
    out.push({
      code: 'VERIFY_UNACCOUNTABLE',
      message: `the devices' taps missed records ${overruns} time(s): those records cannot be accounted for`,
    });
  const unverifiable = runs.filter((r) => r.unverifiable !== null).length;
  if (unverifiable > 0)
    out.push({
      code: 'VERIFY_UNVERIFIABLE',
      message: `${unverifiable} run(s) cannot be verified (see their reasons)`,
    });
  const silent = runs.filter((r) => isSilent(r, asOfMs)).length;
  if (silent > 0)
    out.push({
      code: 'VERIFY_RUN_SILENT',
      message: `${silent} run(s) went quiet without a clean stop: their tail may be lost`,
    });
  const unmarked = sum((r) => r.unmarkedDuplicates);
  if (unmarked > 0)
    out.push({
      code: 'VERIFY_UNMARKED_DUPLICATES',
      message: `${unmarked} duplicate(s) of ours without the re-send mark`,
    });
  const disagree = sum((r) => r.nodeDisagrees);
  if (disagree > 0)
    out.push({
      code: 'VERIFY_NODE_MISMATCH',
      message: `${disagree} record(s) name a node= that is not the host of the principal that sent them`,
    });
  const gaps = sum((r) => r.heartbeatGaps.length);
  if (gaps > 0)
    out.push({ code: 'VERIFY_HEARTBEAT_GAPS', message: `${gaps} gap(s) in the heartbeats of the runs` });
  return out;
}
