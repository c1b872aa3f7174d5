/**
 * The emitter's worker thread: owns the audit netlink fd and makes every (blocking) libaudit call, so a
 * full kernel backlog puts this thread to sleep, never the event loop. Synchronous koffi calls keep errno,
 * which `.async()` would lose (platform-facts).
 *
 * The pace (max_rate/max_burst) is applied here, right before each call, so it bounds what reaches the
 * kernel, not what crosses to this thread: a batch that waited behind a slow one cannot land right behind
 * the next. Calls are sequential, so over any span of kernel time stamps at most burst + 1 + rate × span
 * records arrive, however this thread is scheduled (a record delayed between its token and its call only
 * pushes the next token later).
 *
 * Protocol with the main thread: it posts `{ batch, records }`; we answer `{ batch, outcomes, done,
 * fdOpen }` in order, in one reply or, when we wait for the pace, in several (the outcomes so far are
 * sent before each wait, so their callers are answered while the rest waits). `{ retire: true }` (sent
 * only while no batch is in flight) closes the fd and ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { auditClose, auditOpen, logAcctMessage, logUserMessage } from '../../native/libaudit.js';
import { SyscallError } from '../../native/syscall-error.js';
import { numberingFields, SequenceCounter } from './numbering.js';
import type { EmitOutcome } from './outcome.js';
import { PaceControl } from './pace-control.js';
import { Pacer } from './pacer.js';
import type { EmitRecord } from './record.js';
import { ReopenBackoff } from './reopen-backoff.js';

export interface BatchRequest {
  readonly batch: number;
  readonly records: readonly EmitRecord[];
}

/** A batch to write, or the emitter retiring this idle worker: close the fd and exit. */
export type WorkerRequest = BatchRequest | { readonly retire: true };

/** A failed record's outcome; an accepted record travels back as its bare ar_seq (cheaper to clone). */
export type WireOutcome = number | Exclude<EmitOutcome, { ok: true }>;

/** What the worker is started with (`workerData`). */
export interface WorkerSetup {
  readonly pace: SharedArrayBuffer;
  readonly sequence: SharedArrayBuffer;
  /** The run id every record carries as ar_run. */
  readonly run: string;
}

/** The outcomes of the batch's next records, in order; `done` on the batch's last reply. */
export interface BatchReply {
  readonly batch: number;
  readonly outcomes: readonly WireOutcome[];
  readonly done: boolean;
  readonly fdOpen: boolean;
}

let fd = -1;
const backoff = new ReopenBackoff<SyscallError>();

/** Opens the fd if needed; while backing off after a failed open, answers with that failure at once. */
function ensureOpen(): number {
  if (fd >= 0) return fd;
  const pending = backoff.pending;
  if (pending !== undefined) throw pending;
  try {
    fd = auditOpen();
    backoff.succeeded();
    return fd;
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    backoff.failed(error);
    throw error;
  }
}

/** Writes one record with its numbering; returns its ar_seq (a resend keeps its own; a wrapper has 0). */
function send(record: EmitRecord): number {
  const handle = ensureOpen();
  const wrapper = record.kind === 'user' && record.wrapper === true;
  const seq = wrapper ? undefined : (record.resend?.seq ?? sequence.last + 1);
  const numbering = numberingFields(setup.run, seq, record.resend);
  if (record.kind === 'acct') logAcctMessage(handle, record, numbering);
  else logUserMessage(handle, record, numbering);
  // Taken only once the kernel accepted it: a refused record leaves no gap in the sequence.
  if (seq !== undefined && record.resend === undefined) sequence.take();
  return seq ?? 0;
}

function emitOne(record: EmitRecord): WireOutcome {
  try {
    return send(record);
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    // EINVAL is about this record; anything else may be the socket: reopen it for the next record.
    if (error.code !== 'EINVAL' && fd >= 0) {
      auditClose(fd);
      fd = -1;
    }
    return {
      ok: false,
      code: error.code,
      errno: error.errno,
      syscall: error.syscall,
      message: error.message,
    };
  }
}

const setup = workerData as WorkerSetup;
const control = new PaceControl(setup.pace);
const sequence = new SequenceCounter(setup.sequence);
const pacer = new Pacer({ rate: 0, burst: 1 });
let paceGeneration = -1;

/** Blocks until the pace lets one more record go; calls `beforeWait` once before the first wait. */
function takeToken(beforeWait: () => void): void {
  if (paceGeneration === control.generation && pacer.unpaced) return; // the hot path: one atomic load
  let waited = false;
  for (;;) {
    const generation = control.generation;
    if (generation !== paceGeneration) {
      pacer.set(control.pace);
      paceGeneration = generation;
    }
    if (pacer.grant(1) === 1) return;
    if (!waited) beforeWait();
    waited = true;
    control.sleep(generation, pacer.waitMs());
  }
}

parentPort?.on('message', (request: WorkerRequest) => {
  if ('retire' in request) {
    if (fd >= 0) auditClose(fd);
    fd = -1;
    parentPort?.close(); // nothing else keeps this thread alive: it exits
    return;
  }
  let outcomes: WireOutcome[] = [];
  const reply = (done: boolean) => {
    const message: BatchReply = { batch: request.batch, outcomes, done, fdOpen: fd >= 0 };
    parentPort?.postMessage(message);
    outcomes = [];
  };
  const answerSoFar = () => {
    if (outcomes.length > 0) reply(false);
  };
  for (const record of request.records) {
    takeToken(answerSoFar);
    outcomes.push(emitOne(record));
  }
  reply(true);
});
