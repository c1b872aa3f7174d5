/**
 * The records the kernel accepted, kept in memory only — never on disk — so they can be written again
 * when forwarding breaks (audisp-remote 3.0.9/4.0.2 with KRB5 loses its queue on every failed reconnect).
 * Bounded by age (`window`) and by size (`maxBytes`, counting the record text and a fixed per-entry
 * overhead); oldest first out. What the byte bound pushes out before its time is reported to the owner.
 *
 * Each entry also remembers its write position: the count of records written (originals and re-sends)
 * when it was last written. Forwarding is a FIFO of bounded capacity, so what a broken audisp-remote may
 * have lost is exactly the entries written within the last `capacity` positions (see recovery.ts).
 *
 * @relation(AR-REQ-018)
 */
import type { EmitRecord } from './record.js';

export interface RetentionLimits {
  /** How long an accepted record is kept (ms). */
  readonly windowMs: number;
  /** Most bytes kept (record text + ENTRY_OVERHEAD each). */
  readonly maxBytes: number;
}

export interface Retained {
  readonly seq: number;
  readonly record: EmitRecord;
  /** When the kernel accepted it (ms since the epoch). */
  readonly at: number;
  readonly bytes: number;
  /** Write position of its last write (the original, or the latest re-send). */
  wrote: number;
  /** Taken into a re-send that has not written it yet (it is written even if it leaves the store). */
  queued: boolean;
}

/** Why an entry left the store: its age, or the byte bound before its time. */
export type Eviction = 'expired' | 'size';

/**
 * Bytes an entry costs beyond its text: the entry object, the record object, the string header and the
 * array slot. `npm run bench` measures it on the V8 heap (180 bytes beside a 159-byte record text here);
 * rounded up, so the bound stays an honest estimate.
 */
export const ENTRY_OVERHEAD = 192;

function textBytes(record: EmitRecord): number {
  return record.kind === 'acct' ? record.op.length + record.acct.length : record.message.length;
}

export class Retention {
  #limits: RetentionLimits;
  /** Entries in seq order from #head on; the array is compacted when half of it is dead. */
  #entries: Array<Retained | undefined> = [];
  #head = 0;
  #bytes = 0;
  readonly #onEvict: (entry: Retained, why: Eviction) => void;

  constructor(limits: RetentionLimits, onEvict: (entry: Retained, why: Eviction) => void) {
    this.#limits = limits;
    this.#onEvict = onEvict;
  }

  get limits(): RetentionLimits {
    return this.#limits;
  }

  get count(): number {
    return this.#entries.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get oldest(): Retained | undefined {
    return this.#entries[this.#head];
  }

  /** New limits (a reload): applied at once. */
  setLimits(limits: RetentionLimits, now: number): void {
    this.#limits = limits;
    this.expire(now);
    this.#trim();
  }

  /** Keeps a record the kernel accepted as `seq` at `at`, written at position `wrote`. */
  add(seq: number, record: EmitRecord, at: number, wrote: number): Retained {
    const entry: Retained = {
      seq,
      record,
      at,
      bytes: textBytes(record) + ENTRY_OVERHEAD,
      wrote,
      queued: false,
    };
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    this.#trim();
    return entry;
  }

  /** Drops what is older than the window at `now`. */
  expire(now: number): void {
    const cutoff = now - this.#limits.windowMs;
    for (let e = this.oldest; e !== undefined && e.at < cutoff; e = this.oldest) this.#shift('expired');
  }

  /** Whether `entry` is still held (the store drops the oldest first). */
  holds(entry: Retained): boolean {
    const oldest = this.oldest;
    return oldest !== undefined && entry.seq >= oldest.seq;
  }

  /** How many entries pass `keep`. */
  countWhere(keep: (entry: Retained) => boolean): number {
    let n = 0;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i];
      if (entry !== undefined && keep(entry)) n++;
    }
    return n;
  }

  /** The entries, oldest first, that pass `keep` (a snapshot: the store may change while it is used). */
  select(keep: (entry: Retained) => boolean): Retained[] {
    const out: Retained[] = [];
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i];
      if (entry !== undefined && keep(entry)) out.push(entry);
    }
    return out;
  }

  #trim(): void {
    while (this.#bytes > this.#limits.maxBytes && this.count > 0) this.#shift('size');
  }

  #shift(why: Eviction): void {
    const entry = this.#entries[this.#head];
    if (entry === undefined) return;
    this.#entries[this.#head] = undefined;
    this.#head++;
    this.#bytes -= entry.bytes;
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    this.#onEvict(entry, why);
  }
}
