/**
 * The emitter's worker thread: owns the audit netlink fd and makes every (blocking) libaudit call, so a
 * full kernel backlog puts this thread to sleep, never the event loop. Synchronous koffi calls keep errno,
 * which `.async()` would lose (platform-facts).
 *
 * Protocol with the main thread: it posts `{ batch, records }`, we answer `{ batch, outcomes, fdOpen }`.
 */
import { parentPort } from 'node:worker_threads';
import { auditClose, auditOpen, logAcctMessage, logUserMessage } from '../../native/libaudit.js';
import { SyscallError } from '../../native/syscall-error.js';
import type { EmitOutcome } from './outcome.js';
import type { EmitRecord } from './record.js';

export interface BatchRequest {
  readonly batch: number;
  readonly records: readonly EmitRecord[];
}

/** A failed record's outcome; an accepted record travels back as its bare sequence number (cheaper to clone). */
export type WireOutcome = number | Exclude<EmitOutcome, { ok: true }>;

export interface BatchReply {
  readonly batch: number;
  readonly outcomes: readonly WireOutcome[];
  readonly fdOpen: boolean;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 30_000;

let fd = -1;
let backoffMs = 0;
let retryAt = 0;
let openError: SyscallError | undefined;

/** Opens the fd if needed; while backing off after a failed open, answers with that failure at once. */
function ensureOpen(): number {
  if (fd >= 0) return fd;
  if (openError !== undefined && Date.now() < retryAt) throw openError;
  try {
    fd = auditOpen();
    backoffMs = 0;
    openError = undefined;
    return fd;
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    backoffMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, backoffMs * 2));
    retryAt = Date.now() + backoffMs;
    openError = error;
    throw error;
  }
}

function send(record: EmitRecord): number {
  const handle = ensureOpen();
  if (record.kind === 'acct') return logAcctMessage(handle, record);
  return logUserMessage(handle, record);
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

parentPort?.on('message', (request: BatchRequest) => {
  const outcomes = request.records.map(emitOne);
  const reply: BatchReply = { batch: request.batch, outcomes, fdOpen: fd >= 0 };
  parentPort?.postMessage(reply);
});
