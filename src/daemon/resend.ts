/**
 * Writing retained records again, once forwarding carries records after losing some: ours marked `ar_rt`
 * with their first number and time, another program's or the kernel's wrapped (audit/wrapped.ts), in the
 * order they first entered forwarding, paced (a burst, then `rate` per second) so the re-send never
 * overflows auditd's queue, then a heartbeat. A new loss cancels it; what it had not written stays at risk.
 *
 * @relation(AR-REQ-018)
 */
import type { EmitOutcome } from '../audit/outcome.js';
import { Pacer } from '../audit/pacer.js';
import type { EmitRecord } from '../audit/record.js';
import type { Retained } from '../audit/retention.js';
import { wrapRecords } from '../audit/wrapped.js';
import type { Logger } from '../log/logger.js';

/** Records handed to the emitter before waiting for their outcomes. */
const WINDOW = 1024;

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
   * Writes every entry; `written(entry)` after each one the kernel accepted. Resolves true when done,
   * false when cancelled.
   */
  async run(
    pace: { rate: number; burst: number },
    deps: ResendDeps,
    counts: ResendCounts,
    written: (entry: Retained) => void,
  ): Promise<boolean> {
    const pacer = new Pacer(pace);
    const outcomes: Array<Promise<void>> = [];
    while (this.#next < this.entries.length) {
      while (pacer.grant(1) === 0) await sleep(pacer.waitMs());
      if (this.#cancelled) return false;
      const entry = this.entries[this.#next++];
      if (entry === undefined) break;
      entry.queued = false;
      outcomes.push(this.#write(entry, deps, counts, written));
      if (outcomes.length >= WINDOW) await Promise.all(outcomes.splice(0));
    }
    await Promise.all(outcomes);
    return !this.#cancelled;
  }

  async #write(
    entry: Retained,
    deps: ResendDeps,
    counts: ResendCounts,
    written: (entry: Retained) => void,
  ): Promise<void> {
    const record = entry.record;
    const records =
      record.kind === 'foreign'
        ? wrapRecords(record, entry.seq)
        : [{ ...record, resend: { seq: entry.seq, at: entry.at } }];
    for (const one of records) {
      const outcome = await deps.emit(one);
      if (!outcome.ok) {
        deps.log.error(`re-sending ${describe(entry)} failed: ${outcome.message}`);
        return;
      }
    }
    if (record.kind === 'foreign') counts.foreign++;
    else counts.ours++;
    written(entry);
  }
}

function describe(entry: Retained): string {
  return entry.record.kind === 'foreign'
    ? `a record of type ${entry.record.type} (read ${entry.seq})`
    : `ar_seq ${entry.seq}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
