/**
 * When to try opening the audit netlink socket again after it failed: not before a delay that starts at
 * 100 ms and doubles with every failure up to 30 s, so a missing kernel audit costs one failed syscall
 * per delay instead of one per record; a success resets it. Pure: the clock is a parameter.
 */
export const BACKOFF_MIN_MS = 100;
export const BACKOFF_MAX_MS = 30_000;

export class ReopenBackoff<E> {
  readonly #now: () => number;
  #delayMs = 0;
  #retryAt = 0;
  #failure: E | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The failure to answer with at once while still backing off; undefined when an open may be tried. */
  get pending(): E | undefined {
    return this.#failure !== undefined && this.#now() < this.#retryAt ? this.#failure : undefined;
  }

  /** The current delay (0 after a success). */
  get delayMs(): number {
    return this.#delayMs;
  }

  failed(failure: E): void {
    this.#delayMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, this.#delayMs * 2));
    this.#retryAt = this.#now() + this.#delayMs;
    this.#failure = failure;
  }

  succeeded(): void {
    this.#delayMs = 0;
    this.#failure = undefined;
  }
}
