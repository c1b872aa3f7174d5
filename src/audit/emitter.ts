/**
 * The emitter: the only owner of the path to the kernel. Records queue here and cross to the worker
 * thread in batches (one postMessage for many records); each caller gets its own outcome, in order.
 * The pace is applied by the worker, at the kernel (see emitter-worker.ts); here it is only published.
 * A kernel refusal is an outcome `{ ok: false, code }`, never an exception and never a false success.
 *
 * @relation(AR-REQ-001)
 */
import { Worker } from 'node:worker_threads';
import { settlesWithin } from '../deadline.js';
import type { KnownCode } from '../errors/codes.js';
import type { BatchReply, WorkerRequest, WorkerSetup } from './emitter-worker.js';
import { newRunId, SequenceCounter } from './numbering.js';
import type { EmitOutcome } from './outcome.js';
import { PaceControl } from './pace-control.js';
import type { Pace } from './pacer.js';
import { Progress } from './progress.js';
import type { EmitRecord } from './record.js';

interface Pending {
  readonly record: EmitRecord;
  readonly done: (outcome: EmitOutcome) => void;
}

export interface EmitterOptions {
  /** Most records in one batch to the worker. */
  readonly maxBatch?: number;
  /** Batches in flight at once: 2 lets the worker start the next while the previous reply travels. */
  readonly maxInFlight?: number;
  /** Most records per second to the kernel (token bucket); unpaced when absent. */
  readonly pace?: Pace;
  /** The run id records carry as ar_run (numbering.ts); a new one when absent. */
  readonly run?: string;
  /** Hears every record the kernel accepted, in order, before its caller does (retention). */
  readonly onAccepted?: (record: EmitRecord, seq: number) => void;
  /** Hears that records were answered (`pending` fell): whoever waits for room in the queue looks again. */
  readonly onAnswered?: () => void;
  /**
   * Retire the worker (its audit fd closed, its V8 heap and thread given back: about 10 MiB of RSS) after
   * this long with nothing to write; the next record starts a new one (tens of ms). Never when absent.
   */
  readonly retireIdleWorkerMs?: number;
}

/** What the daemon needs of the path to the kernel: the seam its unit tests fill with a fake. */
export interface EmitterPort {
  /** The run id records carry as ar_run. */
  readonly run: string;
  readonly pace: Pace;
  /** Records waiting or in flight. */
  readonly pending: number;
  /** Whether the audit fd was open after the last batch. */
  readonly fdOpen: boolean;
  /** Queues one record; resolves with the kernel's verdict, never rejects. */
  emit(record: EmitRecord): Promise<EmitOutcome>;
  /**
   * The same without a promise (the daemon's hot path: a request in flight then holds one callback, not
   * a chain of promises): `done` hears the kernel's verdict, once, never synchronously.
   */
  submit(record: EmitRecord, done: (outcome: EmitOutcome) => void): void;
  setPace(pace: Pace): void;
  /** How long records have waited without an answer (0 while none waits). */
  stalledMs(): number;
  /** Answers what is queued, then closes the audit fd; past `deadlineMs` fails what is left. */
  close(deadlineMs?: number): Promise<void>;
}

const WORKER_URL = new URL('./emitter-worker.js', import.meta.url);

function failure(code: KnownCode, message: string): EmitOutcome {
  return { ok: false, code, errno: 0, syscall: 'emitter', message };
}

export class Emitter implements EmitterPort {
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #queue: Pending[] = [];
  readonly #inFlight = new Map<number, Pending[]>();
  #worker: Worker | undefined;
  #nextBatch = 0;
  #closing = false;
  #fdOpen = false;
  #drained: (() => void) | undefined;
  readonly #pace = new PaceControl();
  readonly #progress = new Progress();
  readonly #sequence = new SequenceCounter();
  /** This emitter's run id (ar_run). */
  readonly run: string;
  readonly #onAccepted: ((record: EmitRecord, seq: number) => void) | undefined;
  readonly #onAnswered: (() => void) | undefined;
  readonly #retireMs: number | undefined;
  #retireTimer: NodeJS.Timeout | undefined;

  constructor(options: EmitterOptions = {}) {
    this.#maxBatch = options.maxBatch ?? 1024;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#pace.set(options.pace ?? { rate: 0, burst: 1 });
    this.run = options.run ?? newRunId();
    this.#onAccepted = options.onAccepted;
    this.#onAnswered = options.onAnswered;
    this.#retireMs = options.retireIdleWorkerMs;
  }

  get pace(): Pace {
    return this.#pace.pace;
  }

  /** Changes the pace (a reload); records already waiting, in the worker too, go at the new pace. */
  setPace(pace: Pace): void {
    this.#pace.set(pace);
  }

  /** Records waiting or in flight. */
  get pending(): number {
    let n = this.#queue.length;
    for (const batch of this.#inFlight.values()) n += batch.length;
    return n;
  }

  /** Whether the worker's audit fd was open after its last batch. */
  get fdOpen(): boolean {
    return this.#fdOpen;
  }

  /** Queues one record; resolves with the kernel's verdict. */
  emit(record: EmitRecord): Promise<EmitOutcome> {
    return new Promise((resolve) => this.submit(record, resolve));
  }

  submit(record: EmitRecord, done: (outcome: EmitOutcome) => void): void {
    if (this.#closing) {
      const stopped = failure('EMITTER_STOPPED', 'The emitter is stopping');
      queueMicrotask(() => done(stopped));
      return;
    }
    this.#progress.waiting(performance.now());
    this.#queue.push({ record, done });
    this.#pump();
  }

  /** How long records have waited without the worker answering any (0 while none waits). */
  stalledMs(now = performance.now()): number {
    return this.#progress.stalledMs(now);
  }

  /**
   * Waits for every queued record to be answered, then stops the worker (closing the audit fd). Past
   * `deadlineMs` the worker is terminated and what it still held fails with EMITTER_STOPPED: never acked.
   */
  async close(deadlineMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#retireTimer);
    if (this.pending > 0) {
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      if (!(await settlesWithin(drained, deadlineMs))) {
        this.#abandon();
        // A worker blocked inside a libaudit call cannot be interrupted: do not wait for it, nor let it
        // keep the process alive.
        this.#worker?.unref();
        void this.#worker?.terminate();
        this.#worker = undefined;
        return;
      }
    }
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  /** Records were answered (accepted, refused or failed): the clock of progress, and whoever waits for room. */
  #answered(): void {
    const now = performance.now();
    const pending = this.pending;
    this.#progress.answered(now, pending > 0);
    if (pending === 0 && this.#retireTimer === undefined) this.#scheduleRetire(this.#retireDelay());
    this.#onAnswered?.();
  }

  /** Checks after `ms` whether the worker has been idle for the retirement delay; retires it if so. */
  #scheduleRetire(ms: number | undefined): void {
    if (ms === undefined || this.#worker === undefined || this.#closing) return;
    this.#retireTimer = setTimeout(() => {
      this.#retireTimer = undefined;
      if (this.pending > 0) return; // the next answer schedules again
      const idle = this.#progress.idleMs(performance.now());
      const delay = this.#retireDelay() ?? Number.POSITIVE_INFINITY;
      if (idle < delay) this.#scheduleRetire(delay - idle);
      else this.#retire();
    }, ms);
    this.#retireTimer.unref();
  }

  /**
   * How long the worker must have been idle to be retired. A new worker starts with a full token bucket,
   * so a paced emitter waits at least until the old bucket would have refilled (burst / rate): retiring
   * never lets more through than the pace allows.
   */
  #retireDelay(): number | undefined {
    if (this.#retireMs === undefined) return undefined;
    const { rate, burst } = this.#pace.pace;
    return rate > 0 ? Math.max(this.#retireMs, (1000 * burst) / rate) : this.#retireMs;
  }

  /** The worker closes its audit fd and exits; it holds nothing (no batch is in flight). */
  #retire(): void {
    const worker = this.#worker;
    if (worker === undefined || this.pending > 0) return;
    this.#worker = undefined; // its exit is no crash now (#onCrash ignores a worker not current)
    this.#fdOpen = false;
    const retire: WorkerRequest = { retire: true };
    worker.postMessage(retire);
  }

  /** Fails every record not yet answered (the worker is being terminated). */
  #abandon(): void {
    const left = [...this.#queue.splice(0), ...[...this.#inFlight.values()].flat()];
    this.#inFlight.clear();
    for (const pending of left)
      pending.done(failure('EMITTER_STOPPED', 'The daemon stopped before the kernel answered'));
  }

  #spawn(): Worker {
    // The worker holds no data of its own (a batch at a time): keep its heap small.
    // A respawned worker starts with a full bucket: a crash may let one extra burst through.
    const workerData: WorkerSetup = {
      pace: this.#pace.buffer,
      sequence: this.#sequence.buffer,
      run: this.run,
    };
    const worker = new Worker(WORKER_URL, {
      workerData,
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 24 },
    });
    worker.on('message', (reply: BatchReply) => this.#onReply(reply));
    worker.on('error', (error) => this.#onCrash(worker, error));
    worker.on('exit', (code) => this.#onCrash(worker, new Error(`worker exited with code ${code}`)));
    return worker;
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight.size < this.#maxInFlight) {
      this.#worker ??= this.#spawn();
      const batch = this.#queue.splice(0, this.#maxBatch);
      const id = this.#nextBatch++;
      this.#inFlight.set(id, batch);
      const request: WorkerRequest = { batch: id, records: batch.map((p) => p.record) };
      this.#worker.postMessage(request);
    }
    if (this.pending === 0) this.#drained?.();
  }

  #onReply(reply: BatchReply): void {
    const batch = this.#inFlight.get(reply.batch);
    if (batch === undefined) return;
    this.#fdOpen = reply.fdOpen;
    // A paced batch is answered in parts: each reply covers the batch's next records.
    const answered = batch.splice(0, reply.done ? batch.length : reply.outcomes.length);
    answered.forEach((pending, i) => {
      const outcome = reply.outcomes[i];
      if (typeof outcome === 'number') {
        this.#onAccepted?.(pending.record, outcome);
        pending.done({ ok: true, seq: outcome });
      } else pending.done(outcome ?? failure('EMITTER_CRASHED', 'The worker returned no outcome'));
    });
    if (reply.done) {
      this.#inFlight.delete(reply.batch);
      this.#pump();
    }
    this.#answered();
  }

  /** A dead worker answers nothing: fail what it held (never ack it) and start a new one on demand. */
  #onCrash(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#fdOpen = false;
    for (const batch of this.#inFlight.values()) {
      for (const pending of batch)
        pending.done(failure('EMITTER_CRASHED', `Emitter worker failed: ${error.message}`));
    }
    this.#inFlight.clear();
    this.#pump();
    this.#answered();
  }
}
