import type { Socket } from 'node:net';

/**
 * Coalesces the lines written to a socket within one tick into one write (one syscall) — used by the daemon
 * for replies and by the client for requests, where many small lines are produced at once.
 */
export class TickWriter {
  readonly #socket: Socket;
  readonly #flushed: () => void;
  #pending = '';

  /** `flushed` runs after each coalesced write has been handed to the socket. */
  constructor(socket: Socket, flushed: () => void = () => undefined) {
    this.#socket = socket;
    this.#flushed = flushed;
  }

  /** True while text waits for the end of the tick. */
  get pending(): boolean {
    return this.#pending !== '';
  }

  /** Characters waiting for the end of the tick (replies are ASCII JSON: bytes). */
  get pendingLength(): number {
    return this.#pending.length;
  }

  write(text: string): void {
    if (this.#pending === '') {
      process.nextTick(() => {
        const chunk = this.#pending;
        this.#pending = '';
        if (!this.#socket.destroyed) this.#socket.write(chunk);
        this.#flushed();
      });
    }
    this.#pending += text;
  }
}
