/**
 * Which retained records are at risk: every one written after a position (`from`) — and, once a re-send
 * took them, not after the position it took them up to (`to`): what came later went into a working path.
 * The count is taken once when the risk is set (a scan of the stores) and kept up as records come and
 * go, so a status request never walks retention.
 *
 * @relation(AR-REQ-018)
 */
import type { Retention } from '../audit/retention.js';

export class AtRisk {
  #from: number | undefined;
  #to: number | undefined;
  #count = 0;
  readonly #stores: readonly Retention[];

  constructor(stores: readonly Retention[]) {
    this.#stores = stores;
  }

  /** Records at risk now (a re-send that took them no longer counts them). */
  get count(): number {
    return this.#count;
  }

  /** The position after which records are at risk, undefined when none is. */
  get from(): number | undefined {
    return this.#from;
  }

  /** Marks every entry written after `from` at risk (a risk already open only ever widens). */
  set(from: number): void {
    if (this.#from !== undefined && this.#to === undefined && this.#from <= from) return;
    this.#from = Math.min(from, this.#from ?? from);
    this.#to = undefined;
    const at = this.#from;
    this.#count = this.#stores.reduce((n, store) => n + store.countWrittenAfter(at), 0);
  }

  /** A record just retained: at risk until a re-send took the risk over. */
  added(): void {
    if (this.#from !== undefined && this.#to === undefined) this.#count++;
  }

  /** An entry written at `wrote` left retention; returns whether it was at risk (then it is lost). */
  left(wrote: number): boolean {
    const from = this.#from;
    const was = from !== undefined && wrote > from && (this.#to === undefined || wrote <= this.#to);
    if (was && this.#to === undefined) this.#count = Math.max(0, this.#count - 1);
    return was;
  }

  /** A re-send takes everything at risk up to `position`; returns the range it takes. */
  take(position: number): { from: number; to: number } | undefined {
    if (this.#from === undefined) return undefined;
    this.#to = position;
    this.#count = 0;
    return { from: this.#from, to: position };
  }

  /** A cut-short re-send gives back an entry it had not written. */
  giveBack(): void {
    this.#count++;
  }

  /** The re-send wrote everything: nothing is at risk. */
  clear(): void {
    this.#from = undefined;
    this.#to = undefined;
    this.#count = 0;
  }
}
