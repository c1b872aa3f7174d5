/**
 * The pace, shared between the main thread (which sets it: start, reload, stop) and the emitter's worker
 * (which applies it right before each libaudit call). Shared memory rather than a message because the
 * worker may be asleep waiting for a token when the pace changes — a reload, or the stop step lifting
 * pacing — and must wake at once: `Atomics.wait` on the generation word returns as soon as `set` bumps it.
 *
 * Layout: Int32 [0] generation; Float64 [1] rate, [2] burst.
 */
import type { Pace } from './pacer.js';

const BYTES = 24;

export class PaceControl {
  readonly buffer: SharedArrayBuffer;
  readonly #generation: Int32Array;
  readonly #values: Float64Array;

  /** A new control (main thread), or a view of one passed in `workerData` (worker). */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(BYTES)) {
    this.buffer = buffer;
    this.#generation = new Int32Array(buffer, 0, 1);
    this.#values = new Float64Array(buffer, 8, 2);
  }

  /** Bumped by every `set`. */
  get generation(): number {
    return Atomics.load(this.#generation, 0);
  }

  get pace(): Pace {
    return { rate: this.#values[0] ?? 0, burst: this.#values[1] ?? 1 };
  }

  /** Publishes a new pace and wakes a worker waiting for a token. */
  set(pace: Pace): void {
    this.#values[0] = pace.rate;
    this.#values[1] = pace.burst;
    Atomics.add(this.#generation, 0, 1);
    Atomics.notify(this.#generation, 0);
  }

  /** Worker only (blocks the thread): sleeps up to `ms`, or until the pace changes from `generation`. */
  sleep(generation: number, ms: number): void {
    Atomics.wait(this.#generation, 0, generation, ms);
  }
}
