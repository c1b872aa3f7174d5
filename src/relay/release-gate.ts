/**
 * When a held session may let audisp-remote go: asks the readiness check (the collector accepts, the KDC
 * answers), and while it is not ready asks again after a delay doubling from 1 s to 10 s. One question at
 * a time; `cancel()` stops the waiting.
 *
 * @relation(AR-REQ-019)
 */
import type { Readiness, ReadinessCheck } from './readiness.js';

const FIRST_MS = 1000;
const MAX_MS = 10_000;

export class ReleaseGate {
  readonly #ready: ReadinessCheck;
  readonly #port: () => number | undefined;
  #delay = FIRST_MS;
  #asking = false;
  #timer: NodeJS.Timeout | undefined;
  /** What the last answer was waiting for, and why. */
  waitingFor: Readiness['waitingFor'];
  problem: string | undefined;

  constructor(ready: ReadinessCheck, port: () => number | undefined) {
    this.#ready = ready;
    this.#port = port;
  }

  /** Calls `open` once everything answers (unless cancelled first); a call while asking does nothing. */
  ask(open: () => void): void {
    if (this.#asking || this.#timer !== undefined) return;
    this.#asking = true;
    this.#ready(this.#port())
      .then((readiness) => {
        this.#asking = false;
        if (readiness.ready) {
          open();
          return;
        }
        this.waitingFor = readiness.waitingFor;
        this.problem = readiness.reason;
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.ask(open);
        }, this.#delay);
        this.#timer.unref();
        this.#delay = Math.min(MAX_MS, this.#delay * 2);
      })
      .catch((error: unknown) => {
        this.#asking = false;
        this.problem = String(error);
      });
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
