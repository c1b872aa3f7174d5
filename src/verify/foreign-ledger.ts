/**
 * Accounting of every record at the collector, not only ours: the daemon's tally records (tap/tally.ts)
 * say, per run, how many records entered forwarding, under which kernel serials and within which time;
 * the collector's logs say which records of that device arrived — as sent, or wrapped and unwrapped
 * (unwrap.ts). A record is known by its device, time stamp, serial, type and text (the text before
 * auditd's ENRICHED part and the collector's `krb5=`), so one that arrived both as sent and wrapped, or
 * twice, counts once. Time and memory grow with the records read, never with what a tally claims: a
 * tally's ranges are walked only when as dense as the daemon writes them.
 *
 * Each tally is judged on its own: the records of its serials within its time span. For `verify
 * --state` (verify-state.ts) the ledger carries over between runs: a tally whose records all arrived is
 * settled at once (folded into its run's totals, its records forgotten); one still missing records stays
 * open, with what arrived for it, until they arrive or GIVE_UP_MS of log time has passed; records newer
 * than a device's latest tally (or, before its first, within PENDING_MS) are kept for the tally that
 * will announce them. So what is carried is
 * the open tallies and one heartbeat interval of records per device, not the history.
 *
 * @relation(AR-REQ-021)
 * @relation(AR-REQ-027)
 */
import { isUserSpaceType } from '../audit/event-types.js';
import type { SeqRange } from './ledger.js';

export interface TallyRecord {
  /** The device that sent it (sender.ts deviceOf). */
  readonly device: string;
  readonly run: string;
  /** Its ar_seq: a re-sent copy (ar_rt) is the same tally. */
  readonly seq: number;
  readonly records: number;
  readonly kernel: number;
  readonly user: number;
  readonly overruns: number;
  /** The time stamps of its records (ms), and their serials. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly serials: readonly SeqRange[];
}

export interface ForeignReport {
  readonly device: string;
  readonly run: string;
  /** Tally records read. */
  readonly tallies: number;
  /** Records the tallies announce: the kernel's, user space programs' (ours included). */
  readonly expectedKernel: number;
  readonly expectedUser: number;
  /** Distinct records of those serials at the collector; of them, arrived (also) wrapped. */
  readonly foundKernel: number;
  readonly foundUser: number;
  readonly unwrapped: number;
  readonly missingKernel: number;
  readonly missingUser: number;
  /** Records the tap could not read (the kernel dropped them for it): not accountable. */
  readonly overruns: number;
  /** Serials announced of which no record at all arrived (at most MAX_NAMED; see missingEvents). */
  readonly missingSerials: readonly number[];
}

/** Missing events named per run, at most. */
export const MAX_NAMED = 20;

/** The text a record is known by: after `audit(…): `, before the ENRICHED separator and `krb5=`. */
export function recordBody(text: string): string {
  const start = text.indexOf('): ');
  let body = start < 0 ? text : text.slice(start + 3);
  const enriched = body.indexOf('\x1d');
  if (enriched >= 0) body = body.slice(0, enriched);
  return body.replace(/ ?krb5=\S*$/, '');
}

const STAMP = /audit\((\d{1,12})\.(\d{3}):\d+\):/;

/** A 48-bit FNV-1a hash of a record's type and text, as a number (collisions: negligible per event). */
function identity(type: number, body: string): number {
  let h1 = 0x811c9dc5 ^ type;
  let h2 = 0x01000193;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = (h2 + c * (i + 1)) & 0xffff;
  }
  return h1 * 0x10000 + h2;
}

/** One event's records seen at the collector. */
interface Event {
  readonly ms: number;
  /** Each record's identity, and whether it arrived wrapped (also). */
  readonly records: Map<number, boolean>;
  kernel: number;
  user: number;
  unwrapped: number;
}

/** Whether `n` lies in one of the sorted, disjoint `ranges`. */
function within(ranges: readonly SeqRange[], n: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const r = ranges[mid];
    if (r === undefined) return false;
    if (n < r[0]) high = mid - 1;
    else if (n > r[1]) low = mid + 1;
    else return true;
  }
  return false;
}

/** The union of ranges, sorted and merged. */
function merge(all: readonly SeqRange[]): SeqRange[] {
  const sorted = [...all].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [from, to] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

/** Log time after which a tally still missing records is settled as missing (verify --state). */
export const GIVE_UP_MS = 24 * 3600_000;
/** How long records of a device that has shown no tally yet are kept for one (verify --state). */
export const PENDING_MS = 15 * 60_000;
/** Slack around a tally's span: its span comes from the records the tap read, which the kernel stamped. */
const SLACK_MS = 1000;

/** What one tally found at the collector. */
interface Judged {
  foundKernel: number;
  foundUser: number;
  unwrapped: number;
  missingSerials: number[];
}

/** A run's tallies settled so far (verify --state): their sums. */
export interface Settled {
  tallies: number;
  expectedKernel: number;
  expectedUser: number;
  foundKernel: number;
  foundUser: number;
  unwrapped: number;
  overruns: number;
  missingSerials: number[];
  /** Seqs of tallies settled within GIVE_UP_MS: a late copy of one is not counted again. */
  recentSeqs: Array<[seq: number, toMs: number]>;
}

const emptySettled = (): Settled => ({
  tallies: 0,
  expectedKernel: 0,
  expectedUser: 0,
  foundKernel: 0,
  foundUser: 0,
  unwrapped: 0,
  overruns: 0,
  missingSerials: [],
  recentSeqs: [],
});

/** The ledger as `verify --state` keeps it (JSON). */
export interface ForeignState {
  readonly open: TallyRecord[];
  /** Per device, the end of its latest tally (ms). */
  readonly latest: Array<[device: string, ms: number]>;
  readonly settled: Array<[key: string, settled: Settled]>;
  readonly seen: Array<[device: string, events: SavedEvent[]]>;
}

/** An event as saved: its serial, time, counts by kind and wrapped, and each record's identity. */
type SavedEvent = [
  serial: number,
  ms: number,
  kernel: number,
  user: number,
  unwrapped: number,
  records: Array<[id: number, wrapped: boolean]>,
];

const runKey = (device: string, run: string) => `${device}\u0000${run}`;

export class ForeignLedger {
  /** Per device: per serial, the events seen (more than one only across boots). */
  readonly #seen = new Map<string, Map<number, Event[]>>();
  /** Open tallies per device and run. */
  readonly #tallies = new Map<string, TallyRecord[]>();
  readonly #settled = new Map<string, Settled>();
  /** Per run, the seqs of its open tallies and of those settled within GIVE_UP_MS: a copy counts once. */
  readonly #seqs = new Map<string, Set<number>>();
  /** Per device, the union of its open tallies' serials, and its latest tally's end (after seal()). */
  readonly #wanted = new Map<string, SeqRange[]>();
  readonly #latest = new Map<string, number>();
  /** Keep records newer than a device's latest tally (verify --state: the next tally may announce them). */
  readonly #pending: boolean;

  constructor(options: { readonly pending?: boolean } = {}) {
    this.#pending = options.pending ?? false;
  }

  /** Called once every tally of this read is in: from then on only records a tally wants are kept. */
  seal(): void {
    const byDevice = new Map<string, SeqRange[]>();
    for (const tallies of this.#tallies.values())
      for (const t of tallies) {
        byDevice.set(t.device, [...(byDevice.get(t.device) ?? []), ...t.serials]);
        this.#latest.set(t.device, Math.max(this.#latest.get(t.device) ?? 0, t.toMs));
      }
    this.#wanted.clear();
    for (const [device, ranges] of byDevice) this.#wanted.set(device, merge(ranges));
  }

  /** Whether a record of `device` with `serial` (stamped `ms`) is one a tally announced, or may. */
  wants(device: string, serial: number, ms = 0): boolean {
    const ranges = this.#wanted.get(device);
    if (ranges !== undefined && within(ranges, serial)) return true;
    if (!this.#pending) return false;
    const latest = this.#latest.get(device);
    return latest === undefined || ms > latest - SLACK_MS;
  }

  /** A record at the collector; `wrapped` when it came out of a wrapper. */
  record(device: string, type: number, serial: number, text: string, wrapped: boolean): void {
    const stamp = STAMP.exec(text);
    if (stamp === null) return;
    const ms = Number(stamp[1]) * 1000 + Number(stamp[2]);
    let bySerial = this.#seen.get(device);
    if (bySerial === undefined) {
      bySerial = new Map();
      this.#seen.set(device, bySerial);
    }
    const events = bySerial.get(serial) ?? [];
    let event = events.find((e) => e.ms === ms);
    if (event === undefined) {
      event = { ms, records: new Map(), kernel: 0, user: 0, unwrapped: 0 };
      events.push(event);
      bySerial.set(serial, events);
    }
    const id = identity(type, recordBody(text));
    const seen = event.records.get(id);
    if (seen === undefined) {
      event.records.set(id, wrapped);
      if (isUserSpaceType(type)) event.user++;
      else event.kernel++;
      if (wrapped) event.unwrapped++;
    } else if (wrapped && !seen) {
      event.records.set(id, true);
      event.unwrapped++;
    }
  }

  /** A tally record (its copies — re-sent, or retried by audisp-remote — count once). */
  tally(t: TallyRecord): void {
    const key = runKey(t.device, t.run);
    const seqs = this.#seqs.get(key) ?? new Set<number>();
    if (seqs.has(t.seq)) return;
    seqs.add(t.seq);
    this.#seqs.set(key, seqs);
    const list = this.#tallies.get(key);
    if (list === undefined) this.#tallies.set(key, [t]);
    else list.push(t);
  }

  /** What arrived for `t`, and which of its serials nothing arrived for (at most MAX_NAMED). */
  #judge(t: TallyRecord): Judged {
    const seen = this.#seen.get(t.device) ?? new Map<number, Event[]>();
    const fromMs = t.fromMs - SLACK_MS;
    const toMs = t.toMs + SLACK_MS;
    const out: Judged = { foundKernel: 0, foundUser: 0, unwrapped: 0, missingSerials: [] };
    const count = (e: Event) => {
      out.foundKernel += e.kernel;
      out.foundUser += e.user;
      out.unwrapped += e.unwrapped;
    };
    const span = t.serials.reduce((n, [from, to]) => n + (to - from + 1), 0);
    // Walk the serials only when the tally is as dense as the daemon writes them (at most four serials per
    // record it counts, and a margin); for a tally claiming more, go through what arrived instead.
    if (span <= 4 * t.records + 1000) {
      for (const [from, to] of t.serials)
        for (let serial = from; serial <= to; serial++) {
          const inSpan = (seen.get(serial) ?? []).filter((e) => e.ms >= fromMs && e.ms <= toMs);
          inSpan.forEach(count);
          if (inSpan.length === 0 && out.missingSerials.length < MAX_NAMED) out.missingSerials.push(serial);
        }
    } else {
      for (const [serial, events] of seen)
        if (within(t.serials, serial)) for (const e of events) if (e.ms >= fromMs && e.ms <= toMs) count(e);
    }
    return out;
  }

  /**
   * verify --state, after a read: settles every open tally whose records all arrived, and those older
   * than GIVE_UP_MS as of `nowMs` (log time); forgets records no open tally wants and older than each
   * device's latest tally.
   */
  settle(nowMs: number): void {
    for (const [key, tallies] of this.#tallies) {
      const open: TallyRecord[] = [];
      for (const t of tallies) {
        const j = this.#judge(t);
        const complete = j.foundKernel >= t.kernel && j.foundUser >= t.user;
        if (!complete && nowMs - t.toMs < GIVE_UP_MS) {
          open.push(t);
          continue;
        }
        const s = this.#settled.get(key) ?? emptySettled();
        s.tallies++;
        s.expectedKernel += t.kernel;
        s.expectedUser += t.user;
        s.foundKernel += Math.min(j.foundKernel, t.kernel);
        s.foundUser += Math.min(j.foundUser, t.user);
        s.unwrapped += j.unwrapped;
        s.overruns += t.overruns;
        s.missingSerials.push(...j.missingSerials.slice(0, MAX_NAMED - s.missingSerials.length));
        s.recentSeqs.push([t.seq, t.toMs]);
        this.#settled.set(key, s);
      }
      // Late copies are looked for among the tallies settled within GIVE_UP_MS only: once per run.
      const s = this.#settled.get(key);
      if (s !== undefined) s.recentSeqs = s.recentSeqs.filter(([, to]) => nowMs - to < GIVE_UP_MS);
      this.#seqs.set(key, new Set([...open.map((t) => t.seq), ...(s?.recentSeqs ?? []).map(([seq]) => seq)]));
      if (open.length > 0) this.#tallies.set(key, open);
      else this.#tallies.delete(key);
    }
    this.seal();
    this.prune(nowMs);
  }

  /**
   * Forgets the records no tally will claim: not within an open tally's serials, and older than their
   * device's latest tally — or, for a device that has shown none, than PENDING_MS before `nowMs`. Called
   * after each piece of a --state read too, so a backlog does not pile up.
   */
  prune(nowMs: number): void {
    if (!this.#pending) return;
    for (const [device, bySerial] of this.#seen) {
      const ranges = this.#wanted.get(device) ?? [];
      // Kept for a tally to come: newer than the device's latest tally, or — a device that has shown
      // none yet (its first, or not one of ours) — newer than PENDING_MS before the newest record.
      const since = (this.#latest.get(device) ?? nowMs - PENDING_MS + SLACK_MS) - SLACK_MS;
      for (const [serial, events] of bySerial) {
        if (within(ranges, serial)) continue;
        const kept = events.filter((e) => e.ms > since);
        if (kept.length === 0) bySerial.delete(serial);
        else bySerial.set(serial, kept);
      }
      if (bySerial.size === 0) this.#seen.delete(device);
    }
  }

  report(): ForeignReport[] {
    const keys = new Set([...this.#settled.keys(), ...this.#tallies.keys()]);
    return [...keys].map((key) => this.#reportRun(key));
  }

  #reportRun(key: string): ForeignReport {
    const [device = '', run = ''] = key.split('\u0000');
    const s = this.#settled.get(key) ?? emptySettled();
    const open = this.#tallies.get(key) ?? [];
    let { foundKernel, foundUser, unwrapped, expectedKernel, expectedUser, overruns } = s;
    const missingSerials = [...s.missingSerials];
    for (const t of open) {
      const j = this.#judge(t);
      foundKernel += j.foundKernel;
      foundUser += j.foundUser;
      unwrapped += j.unwrapped;
      expectedKernel += t.kernel;
      expectedUser += t.user;
      overruns += t.overruns;
      missingSerials.push(...j.missingSerials.slice(0, MAX_NAMED - missingSerials.length));
    }
    return {
      device,
      run,
      tallies: s.tallies + open.length,
      expectedKernel,
      expectedUser,
      foundKernel,
      foundUser,
      unwrapped,
      missingKernel: Math.max(0, expectedKernel - foundKernel),
      missingUser: Math.max(0, expectedUser - foundUser),
      overruns,
      missingSerials,
    };
  }

  /** For verify --state: open tallies, settled sums, and the records kept (call settle() first). */
  toState(): ForeignState {
    return {
      open: [...this.#tallies.values()].flat(),
      latest: [...this.#latest],
      settled: [...this.#settled],
      seen: [...this.#seen].map(([device, bySerial]) => [
        device,
        [...bySerial].flatMap(([serial, events]) =>
          events.map((e): SavedEvent => [serial, e.ms, e.kernel, e.user, e.unwrapped, [...e.records]]),
        ),
      ]),
    };
  }

  static fromState(state: ForeignState, options: { readonly pending?: boolean } = {}): ForeignLedger {
    const l = new ForeignLedger(options);
    for (const t of state.open) l.tally(t);
    for (const [device, ms] of state.latest) l.#latest.set(device, ms);
    for (const [key, s] of state.settled) {
      l.#settled.set(key, s);
      const seqs = l.#seqs.get(key) ?? new Set<number>();
      for (const [seq] of s.recentSeqs) seqs.add(seq);
      l.#seqs.set(key, seqs);
    }
    for (const [device, events] of state.seen) {
      const bySerial = new Map<number, Event[]>();
      for (const [serial, ms, kernel, user, unwrapped, records] of events)
        bySerial.set(serial, [
          ...(bySerial.get(serial) ?? []),
          { ms, records: new Map(records), kernel, user, unwrapped },
        ]);
      l.#seen.set(device, bySerial);
    }
    return l;
  }
}
