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
 * @relation(AR-REQ-027)
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

  toState(): RangesState {
    return { ranges: this.merged(), count: this.count };
  }

  static fromState(state: RangesState): Ranges {
    const r = new Ranges();
    for (const [from, to] of state.ranges) {
      r.#from.push(from);
      r.#to.push(to);
    }
    r.count = state.count;
    return r;
  }
}

/** Ranges as `verify --state` keeps them: merged, and how many numbers were added (duplicates too). */
export interface RangesState {
  readonly ranges: readonly SeqRange[];
  readonly count: number;
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
  /** The latest notes, kept for `verify --state` (a retry follows its original within moments). */
  static readonly KEPT = 1024;
  readonly #runs = new Float64Array(RecentSerials.SIZE);
  readonly #seqs = new Float64Array(RecentSerials.SIZE);
  readonly #serials = new Float64Array(RecentSerials.SIZE);
  readonly #latest = new Int32Array(RecentSerials.KEPT).fill(-1);
  #next = 0;

  #slot(run: number, seq: number): number {
    return ((seq % RecentSerials.SIZE) + Math.imul(run, 0x9e3779b1)) & (RecentSerials.SIZE - 1);
  }

  note(run: number, seq: number, serial: number): void {
    const i = this.#slot(run, seq);
    this.#runs[i] = run;
    this.#seqs[i] = seq;
    this.#serials[i] = serial;
    this.#latest[this.#next] = i;
    this.#next = (this.#next + 1) % RecentSerials.KEPT;
  }

  /** The latest notes, oldest first, as [run, seq, serial]. */
  latest(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    for (let k = 0; k < RecentSerials.KEPT; k++) {
      const i = this.#latest[(this.#next + k) % RecentSerials.KEPT] ?? -1;
      if (i >= 0) out.push([this.#runs[i] ?? 0, this.#seqs[i] ?? 0, this.#serials[i] ?? 0]);
    }
    return out;
  }

  is(run: number, seq: number, serial: number): boolean {
    const i = this.#slot(run, seq);
    return this.#runs[i] === run && this.#seqs[i] === seq && this.#serials[i] === serial;
  }
}

/** What a ledger's runs share: the window of recent serials, and this read's rotated heads. */
interface Shared {
  readonly recent: RecentSerials;
  rotatedHeads: ReadonlySet<number>;
}

class RunLedger {
  readonly originals: Ranges;
  retries = 0;
  readonly resends: Ranges;
  readonly heartbeats: Ranges;
  records = 0;
  resent = 0;
  firstSeq = Number.POSITIVE_INFINITY;
  lastSeq = 0;
  firstAt = Number.POSITIVE_INFINITY;
  lastAt = 0;
  /** The lowest seq was read from a collector's oldest log, a rotated one: the run may have begun before. */
  firstExcused = false;
  stopped = false;
  interval = 0;
  node: string | null | undefined;
  nodeDisagrees = 0;
  disagreeingNode: string | null = null;

  constructor(
    readonly device: string,
    readonly principal: string | null,
    readonly run: string,
    /** This run's number in the ledger, and what the ledger's runs share. */
    readonly index: number,
    readonly shared: Shared,
    restored?: { originals: Ranges; resends: Ranges; heartbeats: Ranges },
  ) {
    this.originals = restored?.originals ?? new Ranges();
    this.resends = restored?.resends ?? new Ranges();
    this.heartbeats = restored?.heartbeats ?? new Ranges();
  }

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
      this.shared.recent.is(this.index, record.seq, serial)
    ) {
      this.retries++;
      return;
    }
    if (record.resentFrom === undefined) {
      this.originals.add(record.seq);
      if (serial !== undefined) this.shared.recent.note(this.index, record.seq, serial);
    } else {
      this.resends.add(record.seq);
      this.resent++;
    }
    if (record.heartbeat !== undefined) this.heartbeats.add(record.heartbeat);
    if (record.interval !== undefined) this.interval = record.interval;
    if (record.stop === true) this.stopped = true;
    if (record.seq < this.firstSeq) {
      this.firstSeq = record.seq;
      this.firstExcused = this.shared.rotatedHeads.has(record.file);
    }
    this.lastSeq = Math.max(this.lastSeq, record.seq);
    this.firstAt = Math.min(this.firstAt, record.timeMs);
    this.lastAt = Math.max(this.lastAt, record.timeMs);
  }

  report(unverifiable: string | null): RunReport {
    // A run whose first record is in a collector's oldest log may have begun in a log rotated away — when
    // that log is a rotated one: seqs before it are not counted missing. Otherwise they must all be here.
    const from = this.firstExcused ? this.firstSeq : 1;
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

/** A run as `verify --state` keeps it. */
export interface RunState {
  readonly device: string;
  readonly principal: string | null;
  readonly run: string;
  readonly index: number;
  readonly node: string | null;
  readonly nodeDisagrees: number;
  readonly disagreeingNode: string | null;
  readonly originals: RangesState;
  readonly resends: RangesState;
  readonly heartbeats: RangesState;
  readonly retries: number;
  readonly records: number;
  readonly resent: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly firstExcused: boolean;
  readonly stopped: boolean;
  readonly interval: number;
}

/** The counters and marks a run carries as they are: the same names in RunLedger and RunState. */
const CARRIED = [
  'nodeDisagrees',
  'disagreeingNode',
  'retries',
  'records',
  'resent',
  'firstSeq',
  'lastSeq',
  'firstAt',
  'lastAt',
  'firstExcused',
  'stopped',
  'interval',
] as const satisfies ReadonlyArray<keyof RunState & keyof RunLedger>;

function runState(r: RunLedger): RunState {
  const carried = Object.fromEntries(CARRIED.map((key) => [key, r[key]])) as Pick<
    RunState,
    (typeof CARRIED)[number]
  >;
  return {
    ...carried,
    device: r.device,
    principal: r.principal,
    run: r.run,
    index: r.index,
    node: r.node ?? null,
    originals: r.originals.toState(),
    resends: r.resends.toState(),
    heartbeats: r.heartbeats.toState(),
  };
}

function restoreRun(s: RunState, shared: Shared): RunLedger {
  const r = new RunLedger(s.device, s.principal, s.run, s.index, shared, {
    originals: Ranges.fromState(s.originals),
    resends: Ranges.fromState(s.resends),
    heartbeats: Ranges.fromState(s.heartbeats),
  });
  r.node = s.node;
  Object.assign(r, Object.fromEntries(CARRIED.map((key) => [key, s[key]])));
  return r;
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
/** The ledger as `verify --state` keeps it (JSON). */
export interface LedgerState {
  readonly runs: readonly RunState[];
  readonly runsOf: ReadonlyArray<[device: string, runs: number]>;
  readonly overflowing: ReadonlyArray<[device: string, records: number]>;
  readonly recent: ReadonlyArray<[run: number, seq: number, serial: number]>;
}

export class Ledger {
  readonly #runs = new Map<string, RunLedger>();
  readonly #runsOf = new Map<string, number>();
  readonly #overflowing = new Map<string, number>();
  readonly #shared: Shared;

  constructor(options: LedgerOptions = { rotatedHeads: new Set([0]) }) {
    this.#shared = { recent: new RecentSerials(), rotatedHeads: options.rotatedHeads };
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
      run = new RunLedger(device, principal, record.run, this.#runs.size + 1, this.#shared);
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
        return run.report(why);
      })
      .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : a.firstAt - b.firstAt));
  }

  toState(): LedgerState {
    return {
      runs: [...this.#runs.values()].map(runState),
      runsOf: [...this.#runsOf],
      overflowing: [...this.#overflowing],
      recent: this.#shared.recent.latest(),
    };
  }

  /** A ledger carried over from an earlier read; `options` are this read's. */
  static fromState(state: LedgerState, options: LedgerOptions): Ledger {
    const l = new Ledger(options);
    for (const s of state.runs) l.#runs.set(`${s.device}\u0000${s.run}`, restoreRun(s, l.#shared));
    for (const [device, n] of state.runsOf) l.#runsOf.set(device, n);
    for (const [device, n] of state.overflowing) l.#overflowing.set(device, n);
    for (const [run, seq, serial] of state.recent) l.#shared.recent.note(run, seq, serial);
    return l;
  }
}
