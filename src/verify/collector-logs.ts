/**
 * The collector's audit logs as `verify` reads them: which files (a directory means auditd's own
 * rotation set, `audit.log.N … audit.log.1 audit.log`, oldest first), and our numbered records in them,
 * parsed by libauparse, each with the principal the collector appended to its line (line-principals.ts).
 * Records of other programs are skipped; ours with numbering that is not ours to write (a forged or
 * damaged `ar_seq`) are counted, never trusted.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readAuditRecords, readEveryRecord } from '../../native/libauparse.js';
import { isUserSpaceType } from '../audit/event-types.js';
import { HEARTBEAT_OP } from '../audit/heartbeat.js';
import { WRAP_OP } from '../audit/wrapped.js';
import { AuditRelayError } from '../errors/error.js';
import { TALLY_OP } from '../tap/tally.js';
import type { ForeignLedger, TallyRecord } from './foreign-ledger.js';
import type { Ledger, SeqRange } from './ledger.js';
import { forEachPiece } from './log-chunks.js';
import { deviceOf } from './sender.js';
import { Unwrapper } from './unwrap.js';

const RUN = /^[0-9a-f]{12}$/;
const SEQ = /^[1-9][0-9]{0,14}$/;
const TIME = /^[0-9]{1,12}\.[0-9]{3}$/;
const FIELDS = [
  'ar_run',
  'ar_rt',
  'op',
  'hb_seq',
  'ar_seq',
  'hb_interval_s',
  'hb_stop',
  'ar_wtype',
  'ar_wid',
  'ar_wpart',
  'ar_wmsg',
  'tally_records',
  'tally_kernel',
  'tally_user',
  'tally_overruns',
  'tally_time',
  'tally_serials',
] as const;
const COUNT = /^[0-9]{1,10}$/;
const SPAN = /^([0-9]{1,15})-([0-9]{1,15})$/;
/** Ranges in one tally, at most (its serial list is bounded by the daemon: a longer one is not ours). */
const MAX_RANGES = 4096;

/**
 * The files (by index) whose runs may have begun in a log no longer there: the first file read from each
 * directory (each collector's oldest), when it is a rotated one (`audit.log.N`). A run that begins in
 * `audit.log` itself, or in a newer file, must have all its records from 1.
 */
export function rotatedHeads(files: readonly string[]): Set<number> {
  const seen = new Set<string>();
  const heads = new Set<number>();
  files.forEach((file, index) => {
    const dir = dirname(file);
    if (seen.has(dir)) return;
    seen.add(dir);
    if (/\.\d+$/.test(file)) heads.add(index);
  });
  return heads;
}

/** `audit.log` and its rotations in a directory, oldest first. */
function rotationSet(dir: string): string[] {
  const numbered = readdirSync(dir)
    .map((name) => ({ name, n: name === 'audit.log' ? 0 : Number(/^audit\.log\.(\d+)$/.exec(name)?.[1]) }))
    .filter((f) => Number.isInteger(f.n))
    .sort((a, b) => b.n - a.n);
  return numbered.map((f) => join(dir, f.name));
}

/**
 * The files to read for `paths` — files as given (in that order), directories as their rotation set;
 * several collectors' directories one after the other — each file once.
 */
export function logFiles(paths: readonly string[]): string[] {
  const all = paths.flatMap((path) => (statSync(path).isDirectory() ? rotationSet(path) : [path]));
  const seen = new Set<string>();
  const files = all.filter((file) => {
    const real = realpathSync(file);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
  if (files.length === 0)
    throw new AuditRelayError('VERIFY_NO_LOGS', `No audit log files in ${paths.join(', ')}`);
  return files;
}

/** Where a previous run of verify stopped (verify-state.ts): per file, the offset to read on from. */
export interface Resume {
  readonly from: readonly number[];
  /** Wrappers whose parts did not all arrive yet. */
  readonly unwrapper: Unwrapper;
}

export interface ReadSummary {
  readonly files: readonly string[];
  /** Where reading each file ended (the offset past its last complete line read). */
  readonly ends: readonly number[];
  /** Lines longer than auditd writes, skipped (log-chunks.ts). */
  readonly oversized: number;
  /** Our records whose numbering (or tally, or wrapper) did not parse. */
  readonly malformed: number;
  /** Wrapped records whose parts did not all arrive. */
  readonly incompleteWrappers: number;
}

/** `1-5,7` → [[1,5],[7,7]]; undefined when not a sorted list of ranges we would write. */
export function parseRanges(text: string | undefined): SeqRange[] | undefined {
  if (text === undefined) return undefined;
  if (text === '-') return [];
  const parts = text.split(',');
  if (parts.length > MAX_RANGES) return undefined;
  const out: SeqRange[] = [];
  for (const part of parts) {
    const m = /^([0-9]{1,15})(?:-([0-9]{1,15}))?$/.exec(part);
    if (m === null) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const last = out[out.length - 1];
    if (to < from || (last !== undefined && from <= last[1])) return undefined;
    out.push([from, to]);
  }
  return out;
}

/** A tally record's fields, or undefined when they are not what the daemon writes. */
function parseTally(
  device: string,
  run: string,
  seq: number,
  v: readonly (string | undefined)[],
): TallyRecord | undefined {
  const [records, kernel, user, overruns, time, serials] = v;
  if (![records, kernel, user, overruns].every((x) => x !== undefined && COUNT.test(x))) return undefined;
  const span = time === '-' ? ['', '0', '0'] : SPAN.exec(time ?? '');
  const ranges = parseRanges(serials);
  if (span === null || ranges === undefined) return undefined;
  if (Number(kernel) + Number(user) !== Number(records)) return undefined;
  return {
    device,
    run,
    seq,
    records: Number(records),
    kernel: Number(kernel),
    user: Number(user),
    overruns: Number(overruns),
    fromMs: Number(span[1]),
    toMs: Number(span[2]),
    serials: ranges,
  };
}

/**
 * Feeds every numbered record of ours in `files` to `ledger`; with `foreign`, also the tallies, the
 * records our wrappers carry, and (a second pass) every record a tally announced.
 */
export function readNumberedRecords(
  files: readonly string[],
  ledger: Ledger,
  foreign?: ForeignLedger,
  resume?: Resume,
): ReadSummary {
  let malformed = 0;
  const unwrapper = resume?.unwrapper ?? new Unwrapper();
  const malformedBefore = unwrapper.malformed;
  const toRead = files.map((path, i) => ({ path, from: resume?.from[i] ?? 0 }));
  const stats = { oversized: 0 };
  const ends = forEachPiece(toRead, stats, (index, piece, principals) => {
    readAuditRecords(piece, { type: isUserSpaceType, required: 'ar_run', fields: FIELDS }, (record) => {
      const principal = principals.at(record.line);
      const device = deviceOf({ principal, node: record.node });
      const [run, rt, op, hb, seq, interval, stop, ...rest] = record.values;
      if (run === undefined || !RUN.test(run)) {
        malformed++;
        return;
      }
      const [wtype, wid, wpart, wmsg, ...tally] = rest;
      // Wrappers carry ar_run only: what they carry is accounted for by the foreign ledger.
      if (seq === undefined && op === WRAP_OP) {
        const original = unwrapper.add({
          device,
          node: record.node,
          run,
          type: wtype,
          id: wid,
          part: wpart,
          hex: wmsg,
        });
        const serial =
          original === undefined ? undefined : /^audit\(\d+\.\d+:(\d+)\):/.exec(original.text)?.[1];
        if (foreign !== undefined && original !== undefined && serial !== undefined)
          foreign.record(original.device, original.type, Number(serial), original.text, true);
        return;
      }
      if (seq === undefined || !SEQ.test(seq)) {
        malformed++;
        return;
      }
      if (rt !== undefined && !TIME.test(rt)) {
        malformed++;
        return;
      }
      const heartbeat = op === HEARTBEAT_OP;
      ledger.add({
        node: record.node,
        principal,
        interval: heartbeat && interval !== undefined && COUNT.test(interval) ? Number(interval) : undefined,
        stop: heartbeat && stop === '1',
        run,
        seq: Number(seq),
        resentFrom: rt === undefined ? undefined : Math.round(Number(rt) * 1000),
        heartbeat: heartbeat && hb !== undefined && SEQ.test(hb) ? Number(hb) : undefined,
        timeMs: record.timeMs,
        serial: record.serial,
        file: index,
      });
      if (foreign !== undefined && op === TALLY_OP) {
        const t = parseTally(device, run, Number(seq), tally);
        if (t === undefined) malformed++;
        else foreign.tally(t);
      }
    });
  });
  if (foreign !== undefined) {
    foreign.seal();
    // What the first pass read, not what arrived since.
    const again = toRead.map((file, i) => ({ ...file, to: ends[i] ?? file.from }));
    let newest = 0;
    forEachPiece(again, { oversized: 0 }, (_index, piece, principals) => {
      readEveryRecord(piece, (r) => {
        newest = Math.max(newest, r.timeMs);
        const device = deviceOf({ principal: principals.at(r.line), node: r.node });
        if (foreign.wants(device, r.serial, r.timeMs))
          foreign.record(device, r.type, r.serial, r.text, false);
      });
      foreign.prune(newest);
    });
  }
  return {
    files,
    ends,
    oversized: stats.oversized,
    malformed: malformed + unwrapper.malformed - malformedBefore,
    incompleteWrappers: unwrapper.incomplete,
  };
}
