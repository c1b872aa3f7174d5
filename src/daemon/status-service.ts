/**
 * Status over the socket, bounded so that asking for it cannot stall anyone: the reply is built at most
 * once per BUILD_EVERY_MS for all askers (later ones get that same snapshot), one connection is answered
 * at most once per ANSWER_EVERY_MS (its later requests wait, holding its in-flight slots, so it stops being
 * read), and only root and the peers a `[[clients]]` rule names are answered at all — the run id, pids and
 * counters are not for every user who can open the socket (docs/security-model.md).
 *
 * @relation(AR-REQ-023)
 */
import type { Sender } from '../audit/record.js';
import type { DaemonStatus } from './status-reply.js';

/** How fresh a status is: older than this, it is built again. */
export const BUILD_EVERY_MS = 100;
/** The shortest interval between two status replies on one connection. */
export const ANSWER_EVERY_MS = 100;

/**
 * One connection's status requests: the first answered at once, each later one ANSWER_EVERY_MS after the
 * one before, in order, from one timer; a closed connection cancels what waits.
 */
export class StatusPacing {
  readonly #waiting: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #lastAt = Number.NEGATIVE_INFINITY;

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `answer` now if this connection's turn has come, else when it does. */
  enqueue(now: number, answer: () => void): void {
    if (this.#waiting.length === 0 && now - this.#lastAt >= ANSWER_EVERY_MS) {
      this.#lastAt = now;
      answer();
      return;
    }
    this.#waiting.push(answer);
    if (this.#timer === undefined) this.#schedule(this.#lastAt + ANSWER_EVERY_MS - now);
  }

  /** The connection closed: nothing waiting is answered. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting.length = 0;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#lastAt += ANSWER_EVERY_MS;
        this.#waiting.shift()?.();
        // The answer may have let the connection frame another status request, which scheduled already.
        if (this.#waiting.length > 0 && this.#timer === undefined) this.#schedule(ANSWER_EVERY_MS);
      },
      Math.max(0, delayMs),
    );
  }
}

export function newStatusPacing(): StatusPacing {
  return new StatusPacing();
}

export interface StatusServiceDeps {
  readonly build: () => DaemonStatus;
  /** Whether a `[[clients]]` rule names `peer` (its uid or one of its groups). */
  readonly named: (peer: Sender) => boolean;
  readonly now: () => number;
}

export class StatusService {
  readonly #deps: StatusServiceDeps;
  #snapshot: DaemonStatus | undefined;
  #builtAt = Number.NEGATIVE_INFINITY;

  constructor(deps: StatusServiceDeps) {
    this.#deps = deps;
  }

  /** Whether `peer` may ask for the daemon's status. */
  mayAsk(peer: Sender): boolean {
    return peer.uid === 0 || this.#deps.named(peer);
  }

  /** The status, built again only when the last one is older than BUILD_EVERY_MS. */
  current(): DaemonStatus {
    const now = this.#deps.now();
    if (this.#snapshot === undefined || now - this.#builtAt >= BUILD_EVERY_MS) {
      this.#snapshot = this.#deps.build();
      this.#builtAt = now;
    }
    return this.#snapshot;
  }

  /** Delivers a status to a connection now, or when its pacing allows. */
  serve(pacing: StatusPacing, deliver: (status: DaemonStatus) => void): void {
    pacing.enqueue(this.#deps.now(), () => deliver(this.current()));
  }
}
