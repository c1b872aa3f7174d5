/**
 * The collector's audit logs as `verify` reads them: which files (a directory means auditd's own
 * rotation set, `audit.log.N … audit.log.1 audit.log`, oldest first), and our numbered records in them,
 * parsed by libauparse. Records of other programs are skipped; ours with numbering that is not ours to
 * write (a forged or damaged `ar_seq`) are counted, never trusted.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditRecords } from '../../native/libauparse.js';
import { isUserSpaceType } from '../audit/event-types.js';
import { HEARTBEAT_OP } from '../audit/heartbeat.js';
import type { Ledger } from './ledger.js';

const RUN = /^[0-9a-f]{12}$/;
const SEQ = /^[1-9][0-9]{0,14}$/;
const TIME = /^[0-9]{1,12}\.[0-9]{3}$/;
const FIELDS = ['ar_run', 'ar_rt', 'op', 'hb_seq', 'ar_seq'] as const;

/** `audit.log` and its rotations in a directory, oldest first. */
function rotationSet(dir: string): string[] {
  const numbered = readdirSync(dir)
    .map((name) => ({ name, n: name === 'audit.log' ? 0 : Number(/^audit\.log\.(\d+)$/.exec(name)?.[1]) }))
    .filter((f) => Number.isInteger(f.n))
    .sort((a, b) => b.n - a.n);
  return numbered.map((f) => join(dir, f.name));
}

/** The files to read for `paths`: files as given (in that order), directories as their rotation set. */
export function logFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) => (statSync(path).isDirectory() ? rotationSet(path) : [path]));
}

export interface ReadSummary {
  readonly files: readonly string[];
  /** Our records whose numbering did not parse. */
  readonly malformed: number;
}

/** Feeds every numbered record of ours in `files` to `ledger`. */
export function readNumberedRecords(files: readonly string[], ledger: Ledger): ReadSummary {
  let malformed = 0;
  files.forEach((file, index) => {
    readAuditRecords([file], { type: isUserSpaceType, required: 'ar_seq', fields: FIELDS }, (record) => {
      const [run, rt, op, hb, seq] = record.values;
      if (run === undefined || !RUN.test(run) || seq === undefined || !SEQ.test(seq)) {
        malformed++;
        return;
      }
      if (rt !== undefined && !TIME.test(rt)) {
        malformed++;
        return;
      }
      ledger.add({
        node: record.node,
        run,
        seq: Number(seq),
        resentFrom: rt === undefined ? undefined : Math.round(Number(rt) * 1000),
        heartbeat: op === HEARTBEAT_OP && hb !== undefined && SEQ.test(hb) ? Number(hb) : undefined,
        timeMs: record.timeMs,
        file: index,
      });
    });
  });
  return { files, malformed };
}
