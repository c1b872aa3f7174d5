/**
 * Pacing of the records we write to the kernel: a token bucket of `burst` records refilled at `rate` per
 * second. auditd's queue to audisp-remote is finite (q_depth ≤ 99999) and audisp-remote forwards
 * stop-and-wait, one acknowledgement per record; a burst longer than that queue is dropped by auditd with
 * a syslog line and nothing else. Pacing below the forwarding rate turns such a burst into backpressure on
 * the applications instead. Rate 0 means unpaced.
 *
 * @relation(AR-REQ-015)
 */
export interface Pace {
  /** Records per second; 0 = unpaced. */
  readonly rate: number;
  /** Records that may go at once after a quiet spell. */
  readonly burst: number;
}

export class Pacer {
  #rate = 0;
  #burst = 0;
  #tokens = 0;
  #at: number;
  readonly #now: () => number;

  constructor(pace: Pace, now: () => number = () => performance.now()) {
    this.#now = now;
    this.#at = now();
    this.set(pace);
  }

  get pace(): Pace {
    return { rate: this.#rate, burst: this.#burst };
  }

  /** No rate: every grant is whole. */
  get unpaced(): boolean {
    return this.#rate === 0;
  }

  /** Changes rate and burst (a reload): earned tokens are kept up to the new burst; from unpaced it starts full. */
  set(pace: Pace): void {
    this.#refill();
    const wasUnpaced = this.#rate === 0;
    this.#rate = pace.rate;
    this.#burst = Math.max(1, pace.burst);
    this.#tokens = wasUnpaced ? this.#burst : Math.min(this.#tokens, this.#burst);
  }

  /** Takes up to `wanted` records' worth of tokens now; returns how many were granted. */
  grant(wanted: number): number {
    if (this.#rate === 0) return wanted;
    this.#refill();
    const granted = Math.min(wanted, Math.floor(this.#tokens));
    this.#tokens -= granted;
    return granted;
  }

  /** Milliseconds until one more record may go (0 when one may go now). */
  waitMs(): number {
    if (this.#rate === 0) return 0;
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }

  #refill(): void {
    const now = this.#now();
    if (this.#rate > 0)
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) * this.#rate) / 1000);
    this.#at = now;
  }
}
