/**
 * Accounting of numbered records at the collector: per device and daemon run, which `ar_seq` arrived,
 * which are missing, which came twice (a re-sent record is marked `ar_rt`; an unmarked duplicate would be
 * a defect), and the gaps in the heartbeat count. Pure: fed by collector-logs.ts, tested on its own.
 *
 * Seqs are kept as counts per number in growable byte arrays (one byte per seq for originals, one for
 * re-sends), so a million records of one run cost 2 MB.
 *
 * @relation(AR-REQ-017)
 */
import { AuditRelayError } from '../errors/error.js';

/** One of our records as read at the collector. */
export interface NumberedRecord {
  readonly node: string | null;
  readonly run: string;
  readonly seq: number;
  /** ar_rt: a re-sent record (the time it was first accepted, ms). */
  readonly resentFrom?: number | undefined;
  /** hb_seq of a heartbeat. */
  readonly heartbeat?: number | undefined;
  readonly timeMs: number;
  /** The kernel serial of this copy: a copy audisp-remote sent again carries the same one. */
  readonly serial?: number | undefined;
  /** Index of the log file it was read from (0 = oldest). */
  readonly file: number;
}

/** A closed range of sequence numbers. */
export type SeqRange = readonly [from: number, to: number];

export interface RunReport {
  readonly node: string;
  readonly run: string;
  /** Records read, re-sent ones and duplicates included. */
  readonly records: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Seqs that never arrived, neither first time nor re-sent. */
  readonly missing: readonly SeqRange[];
  readonly missingCount: number;
  /** Seqs before the first one read, when the run may have begun in a log no longer there. */
  readonly beforeLogs: number;
  /** Records marked as re-sent (ar_rt). */
  readonly resent: number;
  /** Seqs that arrived only as a re-send: the records the re-send saved. */
  readonly recovered: number;
  /** Records beyond the first copy of their seq (marked ones expected after an outage). */
  readonly duplicates: number;
  /** Duplicates without the re-send mark that are not audisp-remote's own retries: never expected. */
  readonly unmarkedDuplicates: number;
  /**
   * Copies audisp-remote sent again, byte for byte, because the answer to the first was lost with the
   * collector connection (the relay lets it reconnect): same ar_seq, same kernel serial.
   */
  readonly transportRetries: number;
  readonly heartbeatGaps: readonly SeqRange[];
  readonly firstAt: number;
  readonly lastAt: number;
}

/** Most seqs one run may span in the logs read (two bytes each): beyond, ask for fewer logs. */
export const MAX_SPAN = 64 * 1024 * 1024;

/**
 * A byte count per seq over the span seen so far (rebased when a lower seq turns up), growing as
 * needed; saturates at 255 (enough to tell 0, 1 and "more").
 */
class SeqCounts {
  #base = -1;
  #counts = new Uint8Array(0);

  add(seq: number): void {
    if (this.#base < 0) this.#base = seq;
    if (seq < this.#base || seq - this.#base >= this.#counts.length) this.#grow(seq);
    const i = seq - this.#base;
    this.#counts[i] = Math.min(255, (this.#counts[i] ?? 0) + 1);
  }

  get(seq: number): number {
    return seq < this.#base ? 0 : (this.#counts[seq - this.#base] ?? 0);
  }

  #grow(seq: number): void {
    const base = Math.min(this.#base, seq);
    const end = Math.max(this.#base + this.#counts.length, seq + 1);
    if (end - base > MAX_SPAN) {
      throw new AuditRelayError(
        'VERIFY_SPAN_TOO_LARGE',
        `One run spans more than ${MAX_SPAN} sequence numbers (${base}..${end - 1}) in these logs: verify fewer files at a time`,
      );
    }
    const grown = new Uint8Array(Math.min(MAX_SPAN, Math.max(end - base, 2 * this.#counts.length, 1024)));
    grown.set(this.#counts, this.#base - base);
    this.#base = base;
    this.#counts = grown;
  }
}

/**
 * The kernel serial of each recent original, by seq (a window: audisp-remote's retry follows its first
 * copy within moments), to tell a retried copy from an unmarked duplicate.
 */
class RecentSerials {
  static readonly SIZE = 1 << 16;
  readonly #seqs = new Float64Array(RecentSerials.SIZE);
  readonly #serials = new Float64Array(RecentSerials.SIZE);

  note(seq: number, serial: number): void {
    const i = seq % RecentSerials.SIZE;
    this.#seqs[i] = seq;
    this.#serials[i] = serial;
  }

  is(seq: number, serial: number): boolean {
    const i = seq % RecentSerials.SIZE;
    return this.#seqs[i] === seq && this.#serials[i] === serial;
  }
}

class RunLedger {
  readonly originals = new SeqCounts();
  readonly #recent = new RecentSerials();
  retries = 0;
  readonly resends = new SeqCounts();
  readonly heartbeats = new Set<number>();
  records = 0;
  resent = 0;
  firstSeq = Number.POSITIVE_INFINITY;
  lastSeq = 0;
  firstAt = Number.POSITIVE_INFINITY;
  lastAt = 0;
  firstFile = Number.POSITIVE_INFINITY;

  constructor(
    readonly node: string,
    readonly run: string,
  ) {}

  add(record: NumberedRecord): void {
    this.records++;
    const serial = record.serial;
    if (record.resentFrom === undefined && serial !== undefined && this.originals.get(record.seq) > 0) {
      if (this.#recent.is(record.seq, serial)) {
        this.retries++;
        return;
      }
    }
    if (record.resentFrom === undefined) {
      this.originals.add(record.seq);
      if (serial !== undefined) this.#recent.note(record.seq, serial);
    } else {
      this.resends.add(record.seq);
      this.resent++;
    }
    if (record.heartbeat !== undefined) this.heartbeats.add(record.heartbeat);
    if (record.seq < this.firstSeq) {
      this.firstSeq = record.seq;
      this.firstFile = record.file;
    }
    this.lastSeq = Math.max(this.lastSeq, record.seq);
    this.firstAt = Math.min(this.firstAt, record.timeMs);
    this.lastAt = Math.max(this.lastAt, record.timeMs);
  }

  report(): RunReport {
    // A run whose first record is in the oldest log may have begun in a log rotated away: seqs before it
    // are not counted missing. Begun in a later log, its records from 1 on must all be here.
    const from = this.firstFile === 0 ? this.firstSeq : 1;
    const missing: SeqRange[] = [];
    let missingCount = 0;
    let recovered = 0;
    let unmarked = 0;
    let distinct = 0;
    for (let seq = from; seq <= this.lastSeq; seq++) {
      const originals = this.originals.get(seq);
      const resends = this.resends.get(seq);
      if (originals + resends === 0) {
        missingCount++;
        const last = missing.at(-1);
        if (last !== undefined && last[1] === seq - 1) missing[missing.length - 1] = [last[0], seq];
        else missing.push([seq, seq]);
        continue;
      }
      distinct++;
      if (originals === 0) recovered++;
      if (originals > 1) unmarked += originals - 1;
    }
    return {
      node: this.node,
      run: this.run,
      records: this.records,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      missing,
      missingCount,
      beforeLogs: from - 1,
      resent: this.resent,
      recovered,
      duplicates: this.records - distinct,
      unmarkedDuplicates: unmarked,
      transportRetries: this.retries,
      heartbeatGaps: gaps([...this.heartbeats].sort((a, b) => a - b)),
      firstAt: this.firstAt,
      lastAt: this.lastAt,
    };
  }
}

/** The missing stretches in a sorted list of distinct numbers. */
function gaps(sorted: readonly number[]): SeqRange[] {
  const out: SeqRange[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] ?? 0;
    const current = sorted[i] ?? 0;
    if (current > previous + 1) out.push([previous + 1, current - 1]);
  }
  return out;
}

/** Collects records and reports per device and run, ordered by device, then by the run's first record. */
export class Ledger {
  readonly #runs = new Map<string, RunLedger>();

  add(record: NumberedRecord): void {
    const node = record.node ?? '(no node name)';
    const key = `${node}\u0000${record.run}`;
    let run = this.#runs.get(key);
    if (run === undefined) {
      run = new RunLedger(node, record.run);
      this.#runs.set(key, run);
    }
    run.add(record);
  }

  report(): RunReport[] {
    return [...this.#runs.values()]
      .map((run) => run.report())
      .sort((a, b) => a.node.localeCompare(b.node) || a.firstAt - b.firstAt);
  }
}
