/**
 * Which connections the daemon takes: at most `max_connections` in all and `max_connections_per_uid` per
 * sending uid, and never so many that the daemon itself would run out of file descriptors (at EMFILE
 * libuv accepts and closes new clients silently, and the daemon could not open what it needs). A refused
 * client gets one error line (CONNECTION_LIMIT) before the close; refusals are counted and logged at
 * most once per interval, with the count.
 *
 * @relation(AR-REQ-006)
 */
import { readFileSync } from 'node:fs';

/** Descriptors kept free for the daemon's own use: the audit socket, the worker, files, pidfds, logs. */
export const FD_HEADROOM = 64;

/** The soft RLIMIT_NOFILE of this process, from /proc/self/limits; undefined when unreadable. */
export function openFileLimit(limits = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits())?.[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

export interface AdmissionLimits {
  readonly maxConnections: number;
  readonly maxPerUid: number;
}

export type Refusal = { readonly code: 'CONNECTION_LIMIT'; readonly message: string };

export class Admission {
  readonly #limits: () => AdmissionLimits;
  readonly #fdCap: number;
  readonly #perUid = new Map<number, number>();
  #open = 0;
  refused = 0;

  /** `fdLimit`: the process's open file limit (undefined: none known). */
  constructor(limits: () => AdmissionLimits, fdLimit: number | undefined) {
    this.#limits = limits;
    this.#fdCap = fdLimit === undefined ? Number.POSITIVE_INFINITY : Math.max(1, fdLimit - FD_HEADROOM);
  }

  /** The global cap in effect: the configured one, lowered to keep FD_HEADROOM descriptors free. */
  get cap(): number {
    return Math.min(this.#limits().maxConnections, this.#fdCap);
  }

  /** Takes a connection from `uid`, or says why not (and counts the refusal). */
  admit(uid: number): Refusal | undefined {
    const { maxPerUid } = this.#limits();
    const mine = this.#perUid.get(uid) ?? 0;
    let message: string | undefined;
    if (this.#open >= this.cap) message = `The daemon has its maximum of ${this.cap} connections`;
    else if (mine >= maxPerUid) message = `uid ${uid} has its maximum of ${maxPerUid} connections`;
    if (message !== undefined) {
      this.refused++;
      return { code: 'CONNECTION_LIMIT', message };
    }
    this.#open++;
    this.#perUid.set(uid, mine + 1);
    return undefined;
  }

  /** Gives back a connection taken by admit(). */
  release(uid: number): void {
    this.#open--;
    const mine = (this.#perUid.get(uid) ?? 1) - 1;
    if (mine === 0) this.#perUid.delete(uid);
    else this.#perUid.set(uid, mine);
  }
}
