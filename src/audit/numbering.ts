/**
 * Every record the daemon writes is numbered: `ar_run` (this daemon run) and `ar_seq` (1, 2, 3 … in the
 * order the kernel accepted them), so the collector can name any record of ours that is missing, not
 * only a missing heartbeat (`auditrelay verify`). A record written again after a forwarding outage keeps
 * its number and says so with `ar_rt`, the time (Unix seconds, ms) the kernel first accepted it. A wrapper
 * of another program's record (wrapped.ts) carries `ar_run` only: the foreign ledger accounts for what it
 * carries.
 *
 * The number is taken in the emitter's worker, right after the kernel accepted the record, from a counter
 * in shared memory: a record the kernel refused consumes none (the sequence has no gaps of our own
 * making), and a respawned worker continues the same sequence.
 *
 * @relation(AR-REQ-016)
 */
import { randomBytes } from 'node:crypto';

/** A new run id: tells two daemon runs apart when sequence numbers restart. */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** A record written again: its original number and acceptance time (ms since the epoch). */
export interface Resend {
  readonly seq: number;
  readonly at: number;
}

/** The numbering fields appended to a record's text (both quoted: ausearch -i would read bare hex). */
export function numberingFields(run: string, seq: number | undefined, resend?: Resend): string {
  if (seq === undefined) return ` ar_run="${run}"`;
  const fields = ` ar_run="${run}" ar_seq="${seq}"`;
  return resend === undefined ? fields : `${fields} ar_rt="${(resend.at / 1000).toFixed(3)}"`;
}

/** The next sequence number, shared by the main thread (which reads it) and the worker (which takes it). */
export class SequenceCounter {
  readonly buffer: SharedArrayBuffer;
  readonly #last: Float64Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.buffer = buffer;
    this.#last = new Float64Array(buffer);
  }

  /** The last number taken (0 before the first record). */
  get last(): number {
    return this.#last[0] ?? 0;
  }

  /** Worker only: takes the next number. */
  take(): number {
    const next = this.last + 1;
    this.#last[0] = next;
    return next;
  }
}
