/**
 * Whether the path to the kernel moves: how long records have waited without the worker answering any.
 * The daemon's watchdog health check reads it. Pure: times are parameters.
 */
export class Progress {
  /** When the worker last answered, or when records started waiting after none did. */
  #since = 0;
  #waiting = false;

  /** Records wait now (call on each new one); starts the clock when none waited before. */
  waiting(now: number): void {
    if (!this.#waiting) this.#since = now;
    this.#waiting = true;
  }

  /** The worker answered; `stillWaiting` whether records remain. */
  answered(now: number, stillWaiting: boolean): void {
    this.#since = now;
    this.#waiting = stillWaiting;
  }

  /** How long nothing has waited since the last answer; 0 while records wait. */
  idleMs(now: number): number {
    return this.#waiting ? 0 : now - this.#since;
  }

  /** How long records have waited without an answer; 0 while none waits. */
  stalledMs(now: number): number {
    return this.#waiting ? now - this.#since : 0;
  }
}
