/**
 * The records the kernel accepted, kept in memory only — never on disk — so they can be written again
 * when forwarding breaks (audisp-remote 3.0.9/4.0.2 with KRB5 loses its queue on every failed reconnect).
 *
 * Kept as bytes in one ring buffer outside the V8 heap, not as objects: `maxBytes` is the memory the
 * store takes, exactly (a 48-byte header and the record's text per entry), the garbage collector never
 * walks tens of thousands of long-lived records, and adding one allocates nothing on the heap. Bounded by
 * age (`window`) and by that size; oldest first out. What the size pushes out before its time is reported
 * to the owner.
 *
 * Each entry also remembers its write position: the count of records written (originals and re-sends)
 * when it was last written. Forwarding is a FIFO of bounded capacity, so what a broken audisp-remote may
 * have lost is exactly the entries written within the last `capacity` positions (see recovery.ts).
 *
 * @relation(AR-REQ-018)
 */
import type { EmitRecord } from './record.js';

/**
 * A record of another program or of the kernel, as the tap read it (tap/tap.ts): its type and its text
 * after `audit(…): ` is included, byte for byte (latin1: one character per byte, whatever they are).
 */
export interface ForeignRecord {
  readonly kind: 'foreign';
  readonly type: number;
  readonly text: string;
}

/** What retention keeps: one of our records (the libaudit call it was), or another's. */
export type RetainedRecord = EmitRecord | ForeignRecord;

/** The kind byte of an entry. */
const KIND = { user: 0, acct: 1, foreign: 2 } as const;

export interface RetentionLimits {
  /** How long an accepted record is kept (ms). */
  readonly windowMs: number;
  /** The ring's size: most bytes kept (headers and record text). */
  readonly maxBytes: number;
}

/** What the store says of an entry that leaves it. */
export interface RetainedInfo {
  readonly seq: number;
  /** When the kernel accepted it (ms since the epoch). */
  readonly at: number;
  /** Write position of its last write. */
  readonly wrote: number;
  /** Taken into a re-send that has not written it yet (it is written even if it leaves the store). */
  readonly queued: boolean;
}

/** Write positions (from, to]: `to` Infinity for everything after `from`. */
export interface WriteRange {
  readonly from: number;
  readonly to: number;
}

function within(ranges: readonly WriteRange[], wrote: number): boolean {
  for (const r of ranges) if (wrote > r.from && wrote <= r.to) return true;
  return false;
}

/** Why an entry left the store: its age, or the byte bound before its time. */
export type Eviction = 'expired' | 'size';

/** Bytes of an entry's header: kind, flags, seq, times, write position, type and the three text lengths. */
export const ENTRY_HEADER = 48;

/** Where each header field sits in an entry (little-endian): u32, four u8 flags, three f64, four u32. */
const H = {
  size: 0,
  kind: 4,
  success: 5,
  queued: 6,
  hasAddr: 7,
  seq: 8,
  at: 16,
  wrote: 24,
  type: 32,
  text: 36,
  addr: 40,
  acct: 44,
} as const;

const align8 = (n: number) => (n + 7) & ~7;
/** The ring's size for a bound: whole 8-byte units (arithmetic, not bitwise: a bound may pass 2 GiB). */
const ringBytes = (maxBytes: number) => maxBytes - (maxBytes % 8);

/**
 * A copy of a retained entry, taken for a re-send: its record stays readable after it leaves the store.
 * Setting `wrote` or `queued` writes through to the store while it still holds the entry.
 */
export class Retained implements RetainedInfo {
  readonly seq: number;
  readonly at: number;
  readonly record: RetainedRecord;
  #wrote: number;
  #queued = false;
  readonly #store: Retention;
  /** Where it was in the store's ring, and the ring's generation then (a resize moves every entry). */
  readonly offset: number;
  readonly generation: number;

  constructor(
    store: Retention,
    place: { offset: number; generation: number },
    seq: number,
    at: number,
    wrote: number,
    record: RetainedRecord,
  ) {
    this.#store = store;
    this.offset = place.offset;
    this.generation = place.generation;
    this.seq = seq;
    this.at = at;
    this.#wrote = wrote;
    this.record = record;
  }

  get wrote(): number {
    return this.#wrote;
  }

  set wrote(position: number) {
    this.#wrote = position;
    this.#store.update(this, H.wrote, position);
  }

  get queued(): boolean {
    return this.#queued;
  }

  set queued(queued: boolean) {
    this.#queued = queued;
    this.#store.update(this, H.queued, queued ? 1 : 0);
  }
}

export class Retention {
  #limits: RetentionLimits;
  #buf: Buffer = Buffer.alloc(0);
  /** Offset of the oldest entry; where the next goes; where the data before a wrap ends (-1: none). */
  #head = 0;
  #tail = 0;
  #wrapAt = -1;
  #count = 0;
  #bytes = 0;
  /** Counts resizes: an offset taken before one is stale. */
  #generation = 0;
  readonly #onEvict: (entry: RetainedInfo, why: Eviction) => void;

  constructor(limits: RetentionLimits, onEvict: (entry: RetainedInfo, why: Eviction) => void) {
    this.#limits = limits;
    this.#onEvict = onEvict;
  }

  get limits(): RetentionLimits {
    return this.#limits;
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes the entries take (headers and text); the ring itself is `limits.maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  get oldestSeq(): number | undefined {
    return this.#count === 0 ? undefined : this.#buf.readDoubleLE(this.#head + H.seq);
  }

  get oldestAt(): number | undefined {
    return this.#count === 0 ? undefined : this.#buf.readDoubleLE(this.#head + H.at);
  }

  /** New limits (a reload): applied at once; a new size moves the entries into a new ring. */
  setLimits(limits: RetentionLimits, now: number): void {
    this.#limits = limits;
    this.expire(now);
    const capacity = ringBytes(limits.maxBytes);
    if (this.#buf.length === capacity) return;
    if (this.#count > 0) this.#resize(capacity);
    else this.#buf = Buffer.alloc(0); // the next record allocates the new ring
  }

  /** Moves the entries, oldest first, into a ring of `capacity` bytes (dropping the oldest that do not fit). */
  #resize(capacity: number): void {
    while (this.#bytes > capacity) this.#shift('size');
    const next = Buffer.allocUnsafeSlow(capacity);
    let at = 0;
    for (let offset = this.#first(); offset >= 0; offset = this.#next(offset)) {
      const size = this.#buf.readUInt32LE(offset + H.size);
      this.#buf.copy(next, at, offset, offset + size);
      at += size;
    }
    this.#buf = next;
    this.#head = 0;
    this.#tail = at === capacity ? 0 : at;
    this.#wrapAt = -1;
    this.#generation++;
  }

  /**
   * Keeps `record` (numbered `seq`: ours by ar_seq, another's by the order the tap read it; increasing in
   * the order of adding), accepted at `at`, written at position `wrote`.
   */
  add(seq: number, record: RetainedRecord, at: number, wrote: number): void {
    const text = textOf(record);
    const encoding = record.kind === 'foreign' ? 'latin1' : 'utf8';
    const acct = record.kind === 'acct' ? record.acct : '';
    const addr = record.kind === 'foreign' ? '' : (record.addr ?? '');
    const textBytes = Buffer.byteLength(text, encoding);
    const addrBytes = Buffer.byteLength(addr);
    const acctBytes = Buffer.byteLength(acct);
    const size = align8(ENTRY_HEADER + textBytes + addrBytes + acctBytes);
    const offset = this.#room(size);
    if (offset < 0) {
      this.#onEvict({ seq, at, wrote, queued: false }, 'size');
      return;
    }
    const b = this.#buf;
    b.writeUInt32LE(size, offset + H.size);
    b[offset + H.kind] = KIND[record.kind];
    b[offset + H.success] = record.kind !== 'foreign' && record.success ? 1 : 0;
    b[offset + H.queued] = 0;
    b[offset + H.hasAddr] = record.kind === 'foreign' || record.addr === null ? 0 : 1;
    b.writeDoubleLE(seq, offset + H.seq);
    b.writeDoubleLE(at, offset + H.at);
    b.writeDoubleLE(wrote, offset + H.wrote);
    b.writeUInt32LE(record.type, offset + H.type);
    b.writeUInt32LE(textBytes, offset + H.text);
    b.writeUInt32LE(addrBytes, offset + H.addr);
    b.writeUInt32LE(acctBytes, offset + H.acct);
    let p = offset + ENTRY_HEADER;
    p += b.write(text, p, encoding);
    p += b.write(addr, p, 'utf8');
    b.write(acct, p, 'utf8');
    this.#count++;
    this.#bytes += size;
  }

  /** Drops what is older than the window at `now`. */
  expire(now: number): void {
    const cutoff = now - this.#limits.windowMs;
    while (this.#count > 0 && this.#buf.readDoubleLE(this.#head + H.at) < cutoff) this.#shift('expired');
  }

  /** Whether the store still holds the entry numbered `seq` (it drops the oldest first). */
  holds(entry: { readonly seq: number }): boolean {
    const oldest = this.oldestSeq;
    return oldest !== undefined && entry.seq >= oldest;
  }

  /** How many entries not queued for a re-send were last written after write position `position`. */
  countWrittenAfter(position: number): number {
    return this.countWrittenWithin([{ from: position, to: Number.POSITIVE_INFINITY }]);
  }

  /** How many entries not queued for a re-send were last written within one of `ranges` ((from, to]). */
  countWrittenWithin(ranges: readonly WriteRange[]): number {
    let n = 0;
    const b = this.#buf;
    for (let o = this.#first(); o >= 0; o = this.#next(o))
      if (b[o + H.queued] === 0 && within(ranges, b.readDoubleLE(o + H.wrote))) n++;
    return n;
  }

  /** Copies of the entries not queued for a re-send, oldest first, last written after `position`. */
  writtenAfter(position: number): Retained[] {
    return this.writtenWithin([{ from: position, to: Number.POSITIVE_INFINITY }]);
  }

  /**
   * Copies of the entries not queued for a re-send, oldest first, last written within one of `ranges`
   * (the store may change meanwhile).
   */
  writtenWithin(ranges: readonly WriteRange[]): Retained[] {
    const out: Retained[] = [];
    for (let o = this.#first(); o >= 0; o = this.#next(o)) {
      const b = this.#buf;
      if (b[o + H.queued] === 1 || !within(ranges, b.readDoubleLE(o + H.wrote))) continue;
      const place = { offset: o, generation: this.#generation };
      out.push(
        new Retained(
          this,
          place,
          b.readDoubleLE(o + H.seq),
          b.readDoubleLE(o + H.at),
          b.readDoubleLE(o + H.wrote),
          this.#record(o),
        ),
      );
    }
    return out;
  }

  /** Writes a header field of `entry` while the store still holds it (Retained's setters). */
  update(entry: Retained, field: typeof H.wrote | typeof H.queued, value: number): void {
    if (!this.holds(entry)) return;
    let o = entry.generation === this.#generation ? entry.offset : -1;
    for (let p = o < 0 ? this.#first() : -1; p >= 0 && o < 0; p = this.#next(p))
      if (this.#buf.readDoubleLE(p + H.seq) === entry.seq) o = p;
    if (o < 0) return;
    if (field === H.queued) this.#buf[o + H.queued] = value;
    else this.#buf.writeDoubleLE(value, o + H.wrote);
  }

  #record(o: number): RetainedRecord {
    const b = this.#buf;
    const textBytes = b.readUInt32LE(o + H.text);
    const addrBytes = b.readUInt32LE(o + H.addr);
    const acctBytes = b.readUInt32LE(o + H.acct);
    const textAt = o + ENTRY_HEADER;
    const addrAt = textAt + textBytes;
    const p = addrAt + addrBytes;
    const type = b.readUInt32LE(o + H.type);
    if (b[o + H.kind] === KIND.foreign)
      return { kind: 'foreign', type, text: b.toString('latin1', textAt, addrAt) };
    const text = b.toString('utf8', textAt, addrAt);
    const addr = b[o + H.hasAddr] === 1 ? b.toString('utf8', addrAt, p) : null;
    const success = b[o + H.success] === 1;
    if (b[o + H.kind] === KIND.acct) {
      return { kind: 'acct', type, op: text, acct: b.toString('utf8', p, p + acctBytes), addr, success };
    }
    return { kind: 'user', type, message: text, addr, success };
  }

  #first(): number {
    return this.#count === 0 ? -1 : this.#head;
  }

  /** The entry after the one at `offset`, or -1 after the newest. */
  #next(offset: number): number {
    let next = offset + this.#buf.readUInt32LE(offset + H.size);
    if (next === this.#wrapAt || next === this.#buf.length) next = 0;
    return next === this.#tail ? -1 : next;
  }

  /** Where an entry of `size` bytes goes, after evicting the oldest as needed; -1 when it can never fit. */
  #room(size: number): number {
    const capacity = ringBytes(this.#limits.maxBytes);
    if (size > capacity) return -1;
    if (this.#buf.length !== capacity) this.#resize(capacity);
    for (;;) {
      if (this.#count === 0) {
        this.#head = 0;
        this.#tail = 0;
        this.#wrapAt = -1;
      }
      const head = this.#head;
      const tail = this.#tail;
      const wrapped = this.#count > 0 && tail <= head;
      if (!wrapped) {
        if (capacity - tail >= size) return this.#claim(tail, size);
        if (head >= size) {
          this.#wrapAt = tail;
          return this.#claim(0, size);
        }
      } else if (head - tail >= size) return this.#claim(tail, size);
      this.#shift('size');
    }
  }

  /** Takes `size` bytes at `offset`; a tail at the ring's end is its start (full when it meets the head). */
  #claim(offset: number, size: number): number {
    const end = offset + size;
    this.#tail = end === this.#buf.length ? 0 : end;
    return offset;
  }

  #shift(why: Eviction): void {
    if (this.#count === 0) return;
    const b = this.#buf;
    const o = this.#head;
    const info: RetainedInfo = {
      seq: b.readDoubleLE(o + H.seq),
      at: b.readDoubleLE(o + H.at),
      wrote: b.readDoubleLE(o + H.wrote),
      queued: b[o + H.queued] === 1,
    };
    const size = b.readUInt32LE(o + H.size);
    this.#count--;
    this.#bytes -= size;
    this.#head = o + size;
    if (this.#head === this.#wrapAt || this.#head === b.length) {
      this.#head = 0;
      this.#wrapAt = -1;
    }
    this.#onEvict(info, why);
  }
}

function textOf(record: RetainedRecord): string {
  if (record.kind === 'foreign') return record.text;
  return record.kind === 'acct' ? record.op : record.message;
}
