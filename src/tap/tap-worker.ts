/**
 * The tap's worker thread: reads the kernel's audit multicast group in a tight blocking loop (a recv()
 * is a couple of microseconds; the kernel drops what a slow reader has not taken, so this loop never
 * waits for the event loop), and hands the records over in batches packed into one transferred buffer:
 * per record a u16 type, a u32 length and the text's bytes (latin1). A batch goes as soon as the kernel
 * has nothing more for us (reads within a batch do not wait), or when it holds BATCH_RECORDS records, or
 * BATCH_MS after its first: a record reaches the daemon within moments. The main thread sets `stop[0]`;
 * the loop sees it within pollMs.
 *
 * @relation(AR-REQ-020)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { closeAuditMulticast, openAuditMulticast, receiveAudit } from '../../native/audit-multicast.js';

export interface TapWorkerSetup {
  readonly receiveBufferBytes: number;
  readonly pollMs: number;
  /** Int32Array over it: 1 = stop. */
  readonly stop: SharedArrayBuffer;
}

/** What the worker posts. */
export type TapMessage =
  | {
      readonly kind: 'batch';
      readonly records: ArrayBuffer;
      readonly count: number;
      readonly overruns: number;
    }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'started' };

const BATCH_RECORDS = 1024;
const BATCH_MS = 20;
/** A netlink message header: length (u32), type (u16), flags, seq, pid. */
const NLMSG_HEADER = 16;

const setup = workerData as TapWorkerSetup;
const stop = new Int32Array(setup.stop);
const port = parentPort;

class Batch {
  #buf = Buffer.allocUnsafe(256 * 1024);
  #used = 0;
  count = 0;
  overruns = 0;
  firstAt = 0;

  add(type: number, text: Buffer): void {
    const need = 6 + text.length;
    if (this.#used + need > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#used + need));
      this.#buf.copy(grown, 0, 0, this.#used);
      this.#buf = grown;
    }
    if (this.count === 0) this.firstAt = performance.now();
    this.#buf.writeUInt16LE(type, this.#used);
    this.#buf.writeUInt32LE(text.length, this.#used + 2);
    text.copy(this.#buf, this.#used + 6);
    this.#used += need;
    this.count++;
  }

  /** Posts what it holds (the buffer is transferred) and starts empty. */
  flush(): void {
    if (this.count === 0 && this.overruns === 0) return;
    const records = new ArrayBuffer(this.#used);
    new Uint8Array(records).set(this.#buf.subarray(0, this.#used));
    const message: TapMessage = { kind: 'batch', records, count: this.count, overruns: this.overruns };
    port?.postMessage(message, [records]);
    this.#used = 0;
    this.count = 0;
    this.overruns = 0;
  }
}

function run(): void {
  let fd: number;
  try {
    fd = openAuditMulticast({ receiveBufferBytes: setup.receiveBufferBytes, pollMs: setup.pollMs });
  } catch (error) {
    port?.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port?.postMessage({ kind: 'started' });
  const datagram = Buffer.alloc(64 * 1024);
  const batch = new Batch();
  try {
    while (Atomics.load(stop, 0) === 0) {
      const got = receiveAudit(fd, datagram, batch.count > 0);
      if (got === 'overrun') batch.overruns++;
      else if (typeof got === 'number') {
        let at = 0;
        while (at + NLMSG_HEADER <= got) {
          const length = datagram.readUInt32LE(at);
          if (length < NLMSG_HEADER || at + length > got) break;
          let end = at + length;
          while (end > at + NLMSG_HEADER && datagram[end - 1] === 0) end--;
          batch.add(datagram.readUInt16LE(at + 4), datagram.subarray(at + NLMSG_HEADER, end));
          at += (length + 3) & ~3;
        }
      }
      if (got === 'timeout' || batch.count >= BATCH_RECORDS || performance.now() - batch.firstAt >= BATCH_MS)
        batch.flush();
    }
    batch.flush();
  } catch (error) {
    batch.flush();
    port?.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  } finally {
    closeAuditMulticast(fd);
  }
}

run();
