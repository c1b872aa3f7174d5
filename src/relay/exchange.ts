/**
 * The requests and replies of one audisp-remote connection, counted from its frames (frames.ts): whether
 * audisp-remote awaits a reply, and the last reply after which
 * audisp-remote stayed idle IDLE_MS — between two records of its queue it takes microseconds, so then its
 * queue was empty (daemon/delivery.ts anchors the delivered position on it).
 *
 * @relation(AR-REQ-019)
 */
import { FrameCounter, type Framing } from './frames.js';

export const IDLE_MS = 1;

export class Exchange {
  readonly #fromClient: FrameCounter;
  readonly #fromCollector: FrameCounter;
  #requests = 0;
  #replies = 0;
  /** Since when audisp-remote has had every reply (undefined while something is outstanding). */
  #quietSince: number | undefined;
  #idleReplyAt: number | undefined;

  constructor(framing: Framing) {
    this.#fromClient = new FrameCounter(framing);
    this.#fromCollector = new FrameCounter(framing);
  }

  /** Whether audisp-remote awaits an answer to something it sent. */
  get outstanding(): boolean {
    return this.#requests > this.#replies;
  }

  /** Bytes from audisp-remote; returns the requests they completed (throws RELAY_FRAMING). */
  request(chunk: Buffer, now: number): number {
    const frames = this.#fromClient.push(chunk);
    this.#requests += frames;
    const quiet = this.#quietSince;
    if (frames > 0 && quiet !== undefined) {
      if (now - quiet >= IDLE_MS) this.#idleReplyAt = quiet;
      this.#quietSince = undefined;
    }
    return frames;
  }

  /** Bytes from the collector; returns the replies they completed (throws RELAY_FRAMING). */
  reply(chunk: Buffer, now: number): number {
    const frames = this.#fromCollector.push(chunk);
    this.#replies += frames;
    if (frames > 0 && !this.outstanding) this.#quietSince = now;
    return frames;
  }

  /**
   * The handshake is complete: nothing is outstanding, whatever was counted (audisp-remote's GSS
   * handshake is two tokens — an empty one, "someone has to go first", and its AP-REQ — to one reply).
   */
  settle(now: number): void {
    this.#requests = this.#replies;
    this.#quietSince = now;
  }

  /** The last reply after which audisp-remote stayed idle IDLE_MS, or undefined. */
  idleReplyAt(now: number): number | undefined {
    const quiet = this.#quietSince;
    return quiet !== undefined && now - quiet >= IDLE_MS ? quiet : this.#idleReplyAt;
  }
}
