/**
 * The tally: what the tap saw enter forwarding, told to the collector in our own numbered records so
 * `auditrelay verify` can account for the records of other programs and of the kernel as it does for
 * ours (which their own numbering accounts for, and which the tally leaves out). Each tally record covers
 * the records read since the last one (EOE markers excepted: audisp-remote never forwards them): how
 * many, how many of them the kernel's own and how many user-space programs',
 * the kernel serial numbers they carry (`audit(<time>:<serial>)`, one per event, shared by an event's
 * records) as ranges with the span of their time stamps, and the overruns since (records the kernel dropped for the tap: not counted, so
 * not accountable). Every record with one of those serials must be at the collector: as it was sent, or
 * wrapped after a re-send.
 *
 * @relation(AR-REQ-021)
 */
import { encodeField } from '../audit/encoding.js';
import { isUserSpaceType } from '../audit/event-types.js';
import type { EmitRecord } from '../audit/record.js';

export const TALLY_TYPE = 1121; // AUDIT_TRUSTED_APP, as the heartbeat
export const TALLY_OP = 'auditrelay-tally';
/** A tally record is written early when its serial list grows past this (the record stays small). */
export const MAX_SERIALS_CHARS = 3000;

const STAMP = /^audit\((\d{1,12})\.(\d{3}):(\d{1,15})\):/;

/** The time (ms) and kernel serial of a record's text, or undefined when it has no stamp. */
export function stampOf(text: string): { ms: number; serial: number } | undefined {
  const match = STAMP.exec(text);
  if (match === null) return undefined;
  return { ms: Number(match[1]) * 1000 + Number(match[2]), serial: Number(match[3]) };
}

/** `1-5,7,9-12`: sorted closed ranges written compactly. */
export function formatRanges(ranges: ReadonlyArray<readonly [number, number]>): string {
  return ranges.map(([from, to]) => (from === to ? String(from) : `${from}-${to}`)).join(',');
}

export class Tally {
  /** Sorted, disjoint, not adjacent. */
  #ranges: Array<[number, number]> = [];
  #chars = 0;
  #records = 0;
  #kernel = 0;
  #overruns = 0;
  #fromMs = Number.POSITIVE_INFINITY;
  #toMs = 0;

  /** Whether the serial list is long enough to write a tally now. */
  get full(): boolean {
    return this.#chars >= MAX_SERIALS_CHARS;
  }

  get empty(): boolean {
    return this.#records === 0 && this.#overruns === 0;
  }

  /** One record the tap read (not EOE). */
  add(type: number, text: string): void {
    this.#records++;
    if (!isUserSpaceType(type)) this.#kernel++;
    const stamp = stampOf(text);
    if (stamp === undefined) return;
    this.#addSerial(stamp.serial);
    this.#fromMs = Math.min(this.#fromMs, stamp.ms);
    this.#toMs = Math.max(this.#toMs, stamp.ms);
  }

  overrun(): void {
    this.#overruns++;
  }

  /** The tally record for everything since the last one; undefined when there is nothing to tell. */
  take(): EmitRecord | undefined {
    if (this.empty) return undefined;
    const message = [
      `op=${TALLY_OP}`,
      `tally_records=${this.#records}`,
      `tally_kernel=${this.#kernel}`,
      `tally_user=${this.#records - this.#kernel}`,
      `tally_overruns=${this.#overruns}`,
      // The serials' time: serials start again at every boot, so two runs may share numbers.
      `tally_time=${this.#toMs === 0 ? '-' : `${this.#fromMs}-${this.#toMs}`}`,
      encodeField('tally_serials', Buffer.from(formatRanges(this.#ranges) || '-')),
    ].join(' ');
    this.#fromMs = Number.POSITIVE_INFINITY;
    this.#toMs = 0;
    this.#ranges = [];
    this.#chars = 0;
    this.#records = 0;
    this.#kernel = 0;
    this.#overruns = 0;
    return { kind: 'user', type: TALLY_TYPE, message, addr: null, success: true };
  }

  #addSerial(serial: number): void {
    const r = this.#ranges;
    const last = r[r.length - 1];
    // Serials arrive nearly in order (not across CPUs): the common cases first.
    if (last !== undefined && serial >= last[0] && serial <= last[1]) return;
    if (last !== undefined && serial === last[1] + 1) {
      last[1] = serial;
      return;
    }
    if (last === undefined || serial > last[1] + 1) {
      r.push([serial, serial]);
      this.#chars += String(serial).length + 1;
      return;
    }
    this.#insert(serial);
  }

  /** An earlier serial: found by binary search, merged with its neighbours. */
  #insert(serial: number): void {
    const r = this.#ranges;
    let low = 0;
    let high = r.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((r[mid]?.[1] ?? 0) < serial) low = mid + 1;
      else high = mid;
    }
    const at = r[low];
    if (at !== undefined && serial >= at[0]) return;
    const before = r[low - 1];
    const joinsBefore = before !== undefined && before[1] + 1 === serial;
    const joinsAfter = at !== undefined && at[0] - 1 === serial;
    if (joinsBefore && joinsAfter && before !== undefined && at !== undefined) {
      before[1] = at[1];
      r.splice(low, 1);
    } else if (joinsBefore && before !== undefined) before[1] = serial;
    else if (joinsAfter && at !== undefined) at[0] = serial;
    else {
      r.splice(low, 0, [serial, serial]);
      this.#chars += String(serial).length + 1;
    }
  }
}
