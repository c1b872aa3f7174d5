/**
 * `auditrelay restore`'s work: the records of other programs and of the kernel that reached the
 * collector only inside our wrappers (audit/wrapped.ts), turned back into auditd log lines —
 * `node=<device> type=<TYPE> msg=audit(<time>:<serial>): …` — as the kernel first wrote them, each once,
 * leaving out those that arrived as sent too, in time order. `ausearch -if` and `aureport -if` read the
 * result as they read the collector's own log.
 *
 * What a wrapper carries is another device's data: a text that does not begin with the kernel's stamp is
 * refused, and newlines, carriage returns and auditd's ENRICHED separator in it become spaces (as auditd
 * itself turns newlines into spaces), so one wrapped record can never become several lines or fields of
 * the log.
 *
 * @relation(AR-REQ-020)
 */
import { readAuditRecords, readEveryRecord } from '../../native/libauparse.js';
import { isUserSpaceType } from '../audit/event-types.js';
import { recordBody } from './foreign-ledger.js';
import { forEachPiece } from './log-chunks.js';
import { deviceOf } from './sender.js';
import { type Unwrapped, Unwrapper } from './unwrap.js';

export interface RestoreResult {
  /** Lines to write, in time order. */
  readonly lines: readonly string[];
  /** Records that arrived only wrapped (the lines), those that arrived as sent too, and repeats. */
  readonly restored: number;
  readonly alreadyThere: number;
  readonly repeated: number;
  /** Wrappers refused (damaged, or not carrying a kernel record) and those with parts missing. */
  readonly malformed: number;
  readonly incomplete: number;
  /** Restored records in which a newline, CR or ENRICHED separator became a space. */
  readonly altered: number;
}

const STAMP = /^audit\((\d{1,12})\.(\d{3}):(\d{1,15})\): /;
const NODE = /^[!-~]{1,255}$/;
/** auditd's separator before the ENRICHED part of a record. */
const ENRICHED = String.fromCharCode(0x1d);

const key = (device: string, serial: number, ms: number) => `${device}\u0000${serial}\u0000${ms}`;

/** Reads `files` (oldest first) and returns what to write; `typeName` names a record type (libaudit). */
export function restoreRecords(
  files: readonly string[],
  typeName: (type: number) => string | undefined,
): RestoreResult {
  const unwrapper = new Unwrapper();
  const found: Array<Unwrapped & { ms: number; serial: number }> = [];
  let malformed = 0;
  const fields = ['ar_run', 'ar_wtype', 'ar_wid', 'ar_wpart', 'ar_wmsg'];
  const toRead = files.map((path) => ({ path, from: 0 }));
  forEachPiece(toRead, { oversized: 0 }, (_index, piece, principals) => {
    readAuditRecords(piece, { type: isUserSpaceType, required: 'ar_wmsg', fields }, (r) => {
      const [run, type, id, part, hex] = r.values;
      const device = deviceOf({ principal: principals.at(r.line), node: r.node });
      const original = unwrapper.add({ device, node: r.node, run: run ?? '', type, id, part, hex });
      if (original === undefined) return;
      const stamp = STAMP.exec(original.text);
      if (stamp === null || (original.node !== null && !NODE.test(original.node))) {
        malformed++;
        return;
      }
      found.push({ ...original, ms: Number(stamp[1]) * 1000 + Number(stamp[2]), serial: Number(stamp[3]) });
    });
  });
  // What arrived as sent: from the same device (its principal), the same event and text.
  const events = new Set(found.map((f) => key(f.device, f.serial, f.ms)));
  const present = new Set<string>();
  forEachPiece(toRead, { oversized: 0 }, (_index, piece, principals) => {
    readEveryRecord(piece, (r) => {
      const stamp = STAMP.exec(r.text.slice(r.text.indexOf('msg=') + 4));
      if (stamp === null) return;
      const device = deviceOf({ principal: principals.at(r.line), node: r.node });
      const event = key(device, r.serial, Number(stamp[1]) * 1000 + Number(stamp[2]));
      if (events.has(event)) present.add(`${event}\u0000${r.type}\u0000${recordBody(r.text)}`);
    });
  });
  const written = new Set<string>();
  const out: Array<{ ms: number; serial: number; line: string }> = [];
  let alreadyThere = 0;
  let repeated = 0;
  let altered = 0;
  for (const f of found) {
    const id = `${key(f.device, f.serial, f.ms)}\u0000${f.type}\u0000${recordBody(f.text)}`;
    if (present.has(id)) {
      alreadyThere++;
      continue;
    }
    if (written.has(id)) {
      repeated++;
      continue;
    }
    written.add(id);
    const text = f.text.replaceAll('\n', ' ').replaceAll('\r', ' ').replaceAll(ENRICHED, ' ');
    if (text !== f.text) altered++;
    const node = f.node === null ? '' : `node=${f.node} `;
    out.push({
      ms: f.ms,
      serial: f.serial,
      line: `${node}type=${typeName(f.type) ?? `UNKNOWN[${f.type}]`} msg=${text}`,
    });
  }
  out.sort((a, b) => a.ms - b.ms || a.serial - b.serial);
  return {
    lines: out.map((o) => o.line),
    restored: out.length,
    alreadyThere,
    repeated,
    malformed: malformed + unwrapper.malformed,
    incomplete: unwrapper.incomplete,
    altered,
  };
}
