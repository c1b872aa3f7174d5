/**
 * Accounting of every record at the collector, not only ours: the daemon's tally records (tap/tally.ts)
 * say, per run, how many records entered forwarding, under which kernel serials and within which time;
 * the collector's logs say which records of that device arrived — as sent, or wrapped and unwrapped
 * (unwrap.ts). A record is known by its device, time stamp, serial, type and text (the text before
 * auditd's ENRICHED part and the collector's `krb5=`), so one that arrived both as sent and wrapped, or
 * twice, counts once. Time and memory grow with the records read, never with what a tally claims: a
 * tally's ranges are only looked up, never walked.
 *
 * @relation(AR-REQ-021)
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

export class ForeignLedger {
  /** Per device: per serial, the events seen (more than one only across boots). */
  readonly #seen = new Map<string, Map<number, Event[]>>();
  readonly #tallies = new Map<string, TallyRecord[]>();
  /** Per device, the union of its tallies' serials (after seal()). */
  readonly #wanted = new Map<string, SeqRange[]>();

  /** Called once every tally is in: from then on only records a tally announced are kept. */
  seal(): void {
    const byDevice = new Map<string, SeqRange[]>();
    for (const tallies of this.#tallies.values())
      for (const t of tallies) byDevice.set(t.device, [...(byDevice.get(t.device) ?? []), ...t.serials]);
    for (const [device, ranges] of byDevice) this.#wanted.set(device, merge(ranges));
  }

  /** Whether a record of `device` with `serial` is one a tally announced (all, before seal()). */
  wants(device: string, serial: number): boolean {
    if (this.#wanted.size === 0 && this.#tallies.size === 0) return false;
    const ranges = this.#wanted.get(device);
    return ranges !== undefined && within(ranges, serial);
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
    const key = `${t.device}\u0000${t.run}`;
    const list = this.#tallies.get(key);
    if (list === undefined) this.#tallies.set(key, [t]);
    else if (!list.some((other) => other.seq === t.seq)) list.push(t);
  }

  report(): ForeignReport[] {
    return [...this.#tallies.values()].map((tallies) => this.#reportRun(tallies));
  }

  #reportRun(tallies: readonly TallyRecord[]): ForeignReport {
    const device = tallies[0]?.device ?? '';
    const ranges = merge(tallies.flatMap((t) => t.serials));
    // One second of slack: a tally's span comes from the records the tap read, which the kernel stamped.
    const fromMs = Math.min(...tallies.map((t) => t.fromMs)) - 1000;
    const toMs = Math.max(...tallies.map((t) => t.toMs)) + 1000;
    let foundKernel = 0;
    let foundUser = 0;
    let unwrapped = 0;
    for (const [serial, events] of this.#seen.get(device) ?? new Map<number, Event[]>()) {
      if (!within(ranges, serial)) continue;
      for (const e of events) {
        if (e.ms < fromMs || e.ms > toMs) continue;
        foundKernel += e.kernel;
        foundUser += e.user;
        unwrapped += e.unwrapped;
      }
    }
    const sum = (f: (t: TallyRecord) => number) => tallies.reduce((n, t) => n + f(t), 0);
    const missingSerials = missingEvents(tallies, this.#seen.get(device) ?? new Map(), fromMs, toMs);
    const expectedKernel = sum((t) => t.kernel);
    const expectedUser = sum((t) => t.user);
    return {
      device,
      run: tallies[0]?.run ?? '',
      tallies: tallies.length,
      expectedKernel,
      expectedUser,
      foundKernel,
      foundUser,
      unwrapped,
      missingKernel: Math.max(0, expectedKernel - foundKernel),
      missingUser: Math.max(0, expectedUser - foundUser),
      overruns: sum((t) => t.overruns),
      missingSerials,
    };
  }
}

/**
 * Serials a tally announced of which nothing arrived, named for the report. A tally's ranges are walked
 * only when they are as dense as the daemon writes them (no more serials than four per record it counts,
 * plus a margin): one claiming a huge range is not walked.
 */
function missingEvents(
  tallies: readonly TallyRecord[],
  seen: ReadonlyMap<number, readonly Event[]>,
  fromMs: number,
  toMs: number,
): number[] {
  const out: number[] = [];
  for (const t of tallies) {
    const span = t.serials.reduce((n, [from, to]) => n + (to - from + 1), 0);
    if (span > 4 * t.records + 1000) continue;
    for (const [from, to] of t.serials)
      for (let serial = from; serial <= to && out.length < MAX_NAMED; serial++)
        if (!(seen.get(serial) ?? []).some((e) => e.ms >= fromMs && e.ms <= toMs)) out.push(serial);
  }
  return out;
}
