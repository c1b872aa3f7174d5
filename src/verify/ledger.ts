/**
 * Accounting of numbered records at the collector: per device and daemon run, which `ar_seq` arrived,
 * which are missing, which came twice (a re-sent record is marked `ar_rt`; an unmarked duplicate would be
 * a defect), and the gaps in the heartbeat count. Pure: fed by collector-logs.ts, tested on its own.
 *
 * A device is the principal the collector authenticated (sender.ts): a record naming another device in
 * its node= is still accounted to its sender, and counted as disagreeing with it.
 *
 * Numbers are kept as lists of ranges (records arrive mostly in order, so a run of a million costs a few
 * ranges) and missing ranges come from the sorted, merged lists: time and memory follow the records read,
 * never the numbers they claim — one record numbered 10^15 costs what any other does. Numbering no daemon
 * writes (a jump past MAX_JUMP, more than MAX_RUNS runs of one device) makes that run or device
 * "unverifiable", with the reason, and the rest is still reported.
 *
 * @relation(AR-REQ-017)
 */
import { deviceOf, nodeAgrees } from './sender.js';

/** The largest gap an honest run can show: 2^32 records, years at a device's rates. */
export const MAX_JUMP = 2 ** 32;
/** Runs of one device tracked in one report; past it the device is unverifiable (and costs no more). */
export const MAX_RUNS = 10_000;

/** One of our records as read at the collector. */
export interface NumberedRecord {
  /** The `node=` the sending device wrote. */
  readonly node: string | null;
  /** The collector's `krb5=` of its line (line-principals.ts); null or absent: unauthenticated. */
  readonly principal?: string | null | undefined;
  /** hb_interval_s of a heartbeat (s). */
  readonly interval?: number | undefined;
  /** hb_stop: the daemon's clean-stop heartbeat. */
  readonly stop?: boolean | undefined;
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
  /** What the run is accounted under: its principal, or its node= marked unauthenticated (sender.ts). */
  readonly device: string;
  /** The collector's authenticated principal; null for an unauthenticated run. */
  readonly principal: string | null;
  /** The `node=` its first record named (a label: the device writes it). */
  readonly node: string;
  /** Records whose node= does not name the principal's host, and the first such node=. */
  readonly nodeDisagrees: number;
  readonly disagreeingNode: string | null;
  readonly run: string;
  /** Why this run's numbering cannot be verified (not a daemon's), or null. */
  readonly unverifiable: string | null;
  /** The run ended with the daemon's clean-stop record. */
  readonly stopped: boolean;
  /** The heartbeat interval the run announced (s; 0: none). */
  readonly heartbeatInterval: number;
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

/**
 * Numbers as closed ranges, appended as they come: one in order extends the last range; anything else
 * starts a new one (a duplicate too — duplicates are counted as total minus distinct). Sorted and merged
 * only for the report.
 */
class Ranges {
  #from: number[] = [];
  #to: number[] = [];
  count = 0;

  add(n: number): void {
    this.count++;
    const last = this.#to.length - 1;
    if (last >= 0 && this.#to[last] === n - 1) this.#to[last] = n;
    else {
      this.#from.push(n);
      this.#to.push(n);
    }
  }

  /** The distinct numbers, as sorted disjoint ranges. */
  merged(): SeqRange[] {
    return mergeRanges(this.#from.map((from, i): SeqRange => [from, this.#to[i] ?? from]));
  }
}

function mergeRanges(ranges: SeqRange[]): SeqRange[] {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [from, to] of ranges) {
    const last = out[out.length - 1];
    if (last !== undefined && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

const size = (ranges: readonly SeqRange[]) => ranges.reduce((n, [from, to]) => n + to - from + 1, 0);

/** `a` without `b` (both sorted, disjoint). */
function minus(a: readonly SeqRange[], b: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  let j = 0;
  for (const [from, to] of a) {
    let at = from;
    while (j < b.length && (b[j]?.[1] ?? 0) < at) j++;
    for (let k = j; k < b.length && at <= to; k++) {
      const [bf, bt] = b[k] ?? [0, -1];
      if (bf > to) break;
      if (bf > at) out.push([at, bf - 1]);
      at = Math.max(at, bt + 1);
    }
    if (at <= to) out.push([at, to]);
  }
  return out;
}

/**
 * The kernel serial of each recent original, by run and seq (a window: audisp-remote's retry follows its
 * first copy within moments), to tell a retried copy from an unmarked duplicate. One window for all runs
 * (one per run cost 1 MiB each: 130,000 runs exhausted memory).
 */
class RecentSerials {
  static readonly SIZE = 1 << 16;
  readonly #runs = new Float64Array(RecentSerials.SIZE);
  readonly #seqs = new Float64Array(RecentSerials.SIZE);
  readonly #serials = new Float64Array(RecentSerials.SIZE);

  #slot(run: number, seq: number): number {
    return ((seq % RecentSerials.SIZE) + Math.imul(run, 0x9e3779b1)) & (RecentSerials.SIZE - 1);
  }

  note(run: number, seq: number, serial: number): void {
    const i = this.#slot(run, seq);
    this.#runs[i] = run;
    this.#seqs[i] = seq;
    this.#serials[i] = serial;
  }

  is(run: number, seq: number, serial: number): boolean {
    const i = this.#slot(run, seq);
    return this.#runs[i] === run && this.#seqs[i] === seq && this.#serials[i] === serial;
  }
}

class RunLedger {
  readonly originals = new Ranges();
  retries = 0;
  readonly resends = new Ranges();
  readonly heartbeats = new Ranges();
  records = 0;
  resent = 0;
  firstSeq = Number.POSITIVE_INFINITY;
  lastSeq = 0;
  firstAt = Number.POSITIVE_INFINITY;
  lastAt = 0;
  firstFile = Number.POSITIVE_INFINITY;
  stopped = false;
  interval = 0;
  node: string | null | undefined;
  nodeDisagrees = 0;
  disagreeingNode: string | null = null;

  constructor(
    readonly device: string,
    readonly principal: string | null,
    readonly run: string,
    /** This run's number in the ledger, and the ledger's window of recent serials. */
    readonly index: number,
    readonly recent: RecentSerials,
  ) {}

  add(record: NumberedRecord): void {
    this.records++;
    if (this.node === undefined) this.node = record.node;
    if (!nodeAgrees({ principal: this.principal, node: record.node })) {
      this.nodeDisagrees++;
      this.disagreeingNode ??= record.node;
    }
    const serial = record.serial;
    // The same seq with the same kernel serial is the same record sent again, not a duplicate.
    if (
      record.resentFrom === undefined &&
      serial !== undefined &&
      this.recent.is(this.index, record.seq, serial)
    ) {
      this.retries++;
      return;
    }
    if (record.resentFrom === undefined) {
      this.originals.add(record.seq);
      if (serial !== undefined) this.recent.note(this.index, record.seq, serial);
    } else {
      this.resends.add(record.seq);
      this.resent++;
    }
    if (record.heartbeat !== undefined) this.heartbeats.add(record.heartbeat);
    if (record.interval !== undefined) this.interval = record.interval;
    if (record.stop === true) this.stopped = true;
    if (record.seq < this.firstSeq) {
      this.firstSeq = record.seq;
      this.firstFile = record.file;
    }
    this.lastSeq = Math.max(this.lastSeq, record.seq);
    this.firstAt = Math.min(this.firstAt, record.timeMs);
    this.lastAt = Math.max(this.lastAt, record.timeMs);
  }

  report(rotatedHeads: ReadonlySet<number>, unverifiable: string | null): RunReport {
    // A run whose first record is in a collector's oldest log may have begun in a log rotated away — when
    // that log is a rotated one: seqs before it are not counted missing. Otherwise they must all be here.
    const from = rotatedHeads.has(this.firstFile) ? this.firstSeq : 1;
    const originals = this.originals.merged();
    const all = mergeRanges([...originals, ...this.resends.merged()]);
    const distinct = size(all);
    const missing = minus([[from, this.lastSeq]], all);
    const jump = largestGap(all);
    const why =
      unverifiable ??
      (jump > MAX_JUMP ? `its numbering jumps by ${jump} (no daemon numbers so): forged or damaged` : null);
    const transportRetried = this.retries;
    return {
      device: this.device,
      principal: this.principal,
      node: this.node ?? '(no node name)',
      nodeDisagrees: this.nodeDisagrees,
      disagreeingNode: this.disagreeingNode,
      run: this.run,
      unverifiable: why,
      stopped: this.stopped,
      heartbeatInterval: this.interval,
      records: this.records,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      // An unverifiable run's gaps are not records we know to be missing.
      missing: why === null ? missing : [],
      missingCount: why === null ? size(missing) : 0,
      beforeLogs: from - 1,
      resent: this.resent,
      recovered: distinct - size(originals),
      duplicates: this.records - distinct,
      unmarkedDuplicates: this.originals.count - size(originals),
      transportRetries: transportRetried,
      heartbeatGaps: gaps(this.heartbeats.merged()),
      firstAt: this.firstAt,
      lastAt: this.lastAt,
    };
  }
}

function largestGap(sorted: readonly SeqRange[]): number {
  let most = 0;
  for (let i = 1; i < sorted.length; i++)
    most = Math.max(most, (sorted[i]?.[0] ?? 0) - (sorted[i - 1]?.[1] ?? 0));
  return most;
}

/** The missing stretches between sorted disjoint ranges. */
function gaps(sorted: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]?.[1] ?? 0;
    const current = sorted[i]?.[0] ?? 0;
    if (current > previous + 1) out.push([previous + 1, current - 1]);
  }
  return out;
}

export interface LedgerOptions {
  /** Files (by index) a run may have begun before: each collector's oldest log, when a rotated one. */
  readonly rotatedHeads: ReadonlySet<number>;
}

/** Collects records and reports per device and run, ordered by device, then by the run's first record. */
export class Ledger {
  readonly #runs = new Map<string, RunLedger>();
  readonly #runsOf = new Map<string, number>();
  readonly #overflowing = new Map<string, number>();
  readonly #recent = new RecentSerials();
  readonly #options: LedgerOptions;

  constructor(options: LedgerOptions = { rotatedHeads: new Set([0]) }) {
    this.#options = options;
  }

  add(record: NumberedRecord): void {
    const principal = record.principal ?? null;
    const device = deviceOf({ principal, node: record.node });
    const key = `${device}\u0000${record.run}`;
    let run = this.#runs.get(key);
    if (run === undefined) {
      const runs = this.#runsOf.get(device) ?? 0;
      if (runs >= MAX_RUNS) {
        this.#overflowing.set(device, (this.#overflowing.get(device) ?? 0) + 1);
        return;
      }
      this.#runsOf.set(device, runs + 1);
      run = new RunLedger(device, principal, record.run, this.#runs.size + 1, this.#recent);
      this.#runs.set(key, run);
    }
    run.add(record);
  }

  report(): RunReport[] {
    return [...this.#runs.values()]
      .map((run) => {
        const over = this.#overflowing.get(run.device);
        const why =
          over === undefined
            ? null
            : `the device shows more than ${MAX_RUNS} runs (${over} more records in runs not tracked): no daemon restarts so often`;
        return run.report(this.#options.rotatedHeads, why);
      })
      .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : a.firstAt - b.firstAt));
  }
}
