/**
 * The tap: every record the kernel sends to auditd, read from the kernel's audit multicast group
 * (native/audit-multicast.ts; needs CAP_AUDIT_READ). It is how the daemon knows the records of other
 * programs and of the kernel — PAM's and sshd's USER_* records, SYSCALL, PATH, AppArmor — so it can keep
 * them in memory while forwarding might lose them and count them for the collector (recovery, tally).
 *
 * Reads run on a worker thread (tap-worker.ts) in a tight loop, so no record waits for the event loop.
 * The kernel never waits for us: a reader that falls behind loses datagrams, which recv() reports as
 * ENOBUFS — counted and logged as an overrun, never hidden.
 *
 * @relation(AR-REQ-020)
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.js';
import type { TapMessage, TapWorkerSetup } from './tap-worker.js';

/** End of event: a marker with no content, which audisp-remote drops before forwarding. */
export const AUDIT_EOE = 1320;
const POLL_MS = 250;
/** Room for bursts (the kernel caps it at net.core.rmem_max, doubled; raise that for more). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
const WORKER = new URL('./tap-worker.js', import.meta.url);

export interface TapSink {
  /** One record, in the order the kernel sent them: its type and text (`audit(…): …`, latin1). */
  record(type: number, text: string): void;
  /** The kernel dropped records for us (we fell behind): how many is not known. */
  overrun(): void;
}

export interface TapStatus {
  readonly running: boolean;
  readonly records: number;
  readonly overruns: number;
  readonly error: string | null;
}

export class Tap {
  readonly #sink: TapSink;
  readonly #log: Logger;
  readonly #stop = new SharedArrayBuffer(4);
  #worker: Worker | undefined;
  #running = false;
  #records = 0;
  #overruns = 0;
  #error: string | null = null;

  constructor(sink: TapSink, log: Logger) {
    this.#sink = sink;
    this.#log = log;
  }

  /** Starts reading; resolves false (logged, in status) when the group cannot be joined (no CAP_AUDIT_READ). */
  start(): Promise<boolean> {
    const setup: TapWorkerSetup = {
      receiveBufferBytes: RECEIVE_BUFFER_BYTES,
      pollMs: POLL_MS,
      stop: this.#stop,
    };
    const worker = new Worker(WORKER, { workerData: setup });
    this.#worker = worker;
    return new Promise((resolve) => {
      worker.on('message', (message: TapMessage) => {
        if (message.kind === 'started') {
          this.#running = true;
          resolve(true);
        } else if (message.kind === 'batch') this.#batch(message);
        else {
          this.#error = message.message;
          this.#log.error(
            `tap: cannot read the kernel's audit records (${message.message}): records of other programs are not retained or counted`,
          );
          resolve(false);
        }
      });
      worker.on('error', (error) => {
        this.#error = error.message;
        this.#log.error(`tap: ${error.message}`);
        resolve(false);
      });
      worker.on('exit', () => {
        this.#running = false;
        resolve(false);
      });
    });
  }

  /** Stops after the read in progress returns (at most POLL_MS). */
  async stop(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    Atomics.store(new Int32Array(this.#stop), 0, 1);
    await new Promise<void>((resolve) => {
      if (!this.#running) resolve();
      worker.once('exit', () => resolve());
      setTimeout(() => void worker.terminate().then(() => resolve()), POLL_MS * 4).unref();
    });
    this.#worker = undefined;
  }

  status(): TapStatus {
    return { running: this.#running, records: this.#records, overruns: this.#overruns, error: this.#error };
  }

  #batch(message: Extract<TapMessage, { kind: 'batch' }>): void {
    const b = Buffer.from(message.records);
    let at = 0;
    for (let i = 0; i < message.count; i++) {
      const type = b.readUInt16LE(at);
      const length = b.readUInt32LE(at + 2);
      this.#sink.record(type, b.toString('latin1', at + 6, at + 6 + length));
      at += 6 + length;
    }
    this.#records += message.count;
    for (let i = 0; i < message.overruns; i++) {
      this.#overruns++;
      this.#sink.overrun();
      if (this.#overruns % 100 === 1)
        this.#log.warning(
          `tap: fell behind the kernel, records were dropped for us (${this.#overruns} overruns)`,
        );
    }
  }
}
