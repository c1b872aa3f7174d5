/**
 * Writing retained records again, once forwarding carries records after losing some: ours marked `ar_rt`
 * with their first number and time, another program's or the kernel's wrapped (audit/wrapped.ts), in the
 * order they first entered forwarding, paced (a burst, then `rate` per second) and only as fast as auditd's
 * queue has room for them (`room`: a re-send into a full queue is dropped like the records it repairs),
 * then a heartbeat. A new loss cancels it; what it had not written is at risk again.
 *
 * @relation(AR-REQ-018)
 */
import type { EmitOutcome } from '../audit/outcome.js';
import { Pacer } from '../audit/pacer.js';
import type { EmitRecord } from '../audit/record.js';
import type { Retained } from '../audit/retention.js';
import { wrapRecords } from '../audit/wrapped.js';
import type { Logger } from '../log/logger.js';

/** Records handed to the emitter before waiting for their outcomes, and asking for room again. */
const WINDOW = 1024;
/** After a window, the tap has read what it wrote (its lag is milliseconds) before room is asked again. */
const TAP_LAG_MS = 50;
/** With no room, asked again this often. */
const ROOM_WAIT_MS = 250;

export interface ResendDeps {
  readonly emit: (record: EmitRecord) => Promise<EmitOutcome>;
  readonly log: Logger;
}

export interface ResendCounts {
  /** Our records written again. */
  ours: number;
  /** Records of others written again, wrapped (one count per original, whatever its parts). */
  foreign: number;
}

/** Entries of both stores, oldest write first. */
export function mergeByWrite(a: readonly Retained[], b: readonly Retained[]): Retained[] {
  const out: Retained[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.wrote <= y.wrote)) {
      if (x !== undefined) out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

export class ResendJob {
  readonly entries: readonly Retained[];
  #next = 0;
  #cancelled = false;

  constructor(entries: readonly Retained[]) {
    this.entries = entries;
    for (const entry of entries) entry.queued = true;
  }

  /** Entries not yet written. */
  get remaining(): number {
    return this.entries.length - this.#next;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Stops; returns the entries it had not written (no longer queued). */
  cancel(): Retained[] {
    this.#cancelled = true;
    const left = this.entries.slice(this.#next);
    for (const entry of left) entry.queued = false;
    return left;
  }

  /**
   * Writes every entry, each only when `room()` (records auditd's queue takes now) covers its records;
   * `written(entry)` after each one the kernel accepted. Resolves true when done, false when cancelled.
   */
  async run(
    pace: { rate: number; burst: number },
    room: () => number,
    deps: ResendDeps,
    counts: ResendCounts,
    written: (entry: Retained) => void,
  ): Promise<boolean> {
    const pacer = new Pacer(pace);
    while (this.#next < this.entries.length) {
      if (this.#cancelled) return false;
      let budget = room();
      if (budget <= 0) await sleep(ROOM_WAIT_MS);
      const outcomes: Array<Promise<void>> = [];
      while (budget > 0 && outcomes.length < WINDOW && this.#next < this.entries.length) {
        while (pacer.grant(1) === 0) await sleep(pacer.waitMs());
        if (this.#cancelled) return false;
        const entry = this.entries[this.#next++];
        if (entry === undefined) break;
        entry.queued = false;
        const records = recordsOf(entry);
        budget -= records.length;
        outcomes.push(this.#write(entry, records, deps, counts, written));
      }
      await Promise.all(outcomes);
      if (this.#cancelled) return false;
      if (outcomes.length > 0 && this.#next < this.entries.length) await sleep(TAP_LAG_MS);
    }
    return !this.#cancelled;
  }

  async #write(
    entry: Retained,
    records: readonly EmitRecord[],
    deps: ResendDeps,
    counts: ResendCounts,
    written: (entry: Retained) => void,
  ): Promise<void> {
    for (const one of records) {
      const outcome = await deps.emit(one);
      if (!outcome.ok) {
        deps.log.error(`re-sending ${describe(entry)} failed: ${outcome.message}`);
        return;
      }
    }
    if (entry.record.kind === 'foreign') counts.foreign++;
    else counts.ours++;
    written(entry);
  }
}

/** What writing an entry again writes: ours marked with its first number and time, others' wrapped. */
function recordsOf(entry: Retained): EmitRecord[] {
  const record = entry.record;
  return record.kind === 'foreign'
    ? wrapRecords(record, entry.seq)
    : [{ ...record, resend: { seq: entry.seq, at: entry.at } }];
}

function describe(entry: Retained): string {
  return entry.record.kind === 'foreign'
    ? `a record of type ${entry.record.type} (read ${entry.seq})`
    : `ar_seq ${entry.seq}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
