/**
 * Which retained records are at risk and not yet taken by a re-send: those last written within ranges
 * of write positions (from, to]. A lost queue opens a range that stays open — everything written after is
 * at risk — until a re-send takes it; auditd's queue past its room opens one that closes when the queue
 * is back within its room. A re-send takes every range (the records are its own from then on: the store
 * flags them `queued`); a risk found while it runs opens a new one, for the next re-send. The count is
 * taken when a range opens (a scan of the stores) and kept up as records come and go, so a status request
 * never walks retention.
 *
 * @relation(AR-REQ-018)
 */
import type { Retention, WriteRange } from '../audit/retention.js';

/** Why a range is open: a lost queue (closed only by a re-send) or auditd's queue past its room. */
export type RiskCause = 'loss' | 'overflow';

/** Ranges kept at most: past it, the oldest two merge (more is put at risk, never less). */
const MAX_RANGES = 64;

export class AtRisk {
  /** Disjoint, oldest first; only the last may be open. */
  #ranges: { from: number; to: number }[] = [];
  #openCause: RiskCause | undefined;
  #count = 0;
  readonly #stores: readonly Retention[];

  constructor(stores: readonly Retention[]) {
    this.#stores = stores;
  }

  /** Records at risk that no re-send has taken. */
  get count(): number {
    return this.#count;
  }

  /** Whether anything is at risk. */
  get any(): boolean {
    return this.#ranges.length > 0;
  }

  /** Whether a range is open, and why. */
  get open(): RiskCause | undefined {
    return this.#openCause;
  }

  /** Puts everything written after `from` at risk, until closed (overflow) or taken. */
  set(from: number, cause: RiskCause): void {
    const last = this.#ranges.at(-1);
    if (last !== undefined && last.to === Number.POSITIVE_INFINITY && last.from <= from) {
      if (cause === 'loss') this.#openCause = 'loss';
      return;
    }
    // Ranges from `from` on are inside the new open one; one across `from` joins it.
    const joined = this.#ranges.find((r) => r.from < from && r.to > from);
    this.#ranges = this.#ranges.filter((r) => r.to <= from);
    this.#ranges.push({ from: joined?.from ?? from, to: Number.POSITIVE_INFINITY });
    this.#openCause = cause === 'loss' || this.#openCause === 'loss' ? 'loss' : 'overflow';
    this.#bound();
    this.#recount();
  }

  /** auditd's queue is back within its room: an open overflow range ends at `position`. */
  close(position: number): void {
    const last = this.#ranges.at(-1);
    if (this.#openCause !== 'overflow' || last === undefined) return;
    last.to = Math.max(last.from, position);
    this.#openCause = undefined;
  }

  /** A record just retained (at the newest position): at risk while a range is open. */
  added(): void {
    if (this.#openCause !== undefined) this.#count++;
  }

  /** An entry written at `wrote`, not taken by a re-send, left retention; returns whether it was at risk. */
  left(wrote: number): boolean {
    const was = this.#ranges.some((r) => wrote > r.from && wrote <= r.to);
    if (was) this.#count = Math.max(0, this.#count - 1);
    return was;
  }

  /** A re-send takes every range (an open one up to now); returns them, oldest first. */
  take(): WriteRange[] {
    const ranges = this.#ranges;
    this.#ranges = [];
    this.#openCause = undefined;
    this.#count = 0;
    return ranges;
  }

  #bound(): void {
    while (this.#ranges.length > MAX_RANGES) {
      const [a, b] = this.#ranges;
      if (a === undefined || b === undefined) return;
      this.#ranges.splice(0, 2, { from: a.from, to: b.to });
    }
  }

  #recount(): void {
    this.#count = this.#stores.reduce((n, store) => n + store.countWrittenWithin(this.#ranges), 0);
  }
}
