/**
 * One client connection: splits the byte stream into request lines (bounded), hands each to the daemon,
 * writes exactly one reply per request in request order, and stops reading — instead of buffering — when
 * it has too many unanswered requests or the daemon's queue to the kernel is full. The limits hold per
 * request: the lines of one chunk after the limit is reached wait, unread, until there is room again.
 * A request stays in flight until its reply has left for the kernel's socket buffer: a client that writes
 * and never reads fills that buffer, then REPLY_BACKLOG_BYTES of ours, and is no longer read — the daemon
 * never holds more than that of its replies. One read answers at most LINES_PER_TURN requests before the
 * other connections get their turn. A connection that sends no request for the idle timeout closes (at
 * once if its replies cannot leave); blank lines and bytes of an unfinished line do not count as requests.
 *
 * @relation(AR-REQ-006)
 */
import type { Socket } from 'node:net';
import type { Sender } from '../audit/record.js';
import { TickWriter } from '../tick-writer.js';
import { errorReply, formatReply, type Reply, RequestError } from './protocol.js';
import { newStatusPacing, type StatusPacing } from './status-service.js';

export interface ConnectionLimits {
  readonly maxLineBytes: number;
  readonly maxInFlight: number;
  readonly idleTimeoutMs: number;
}

/** What a connection needs from the daemon. */
export interface ConnectionHost {
  /**
   * Answers one request line (its bytes, without the newline) through `answer`, exactly once; `pacing`
   * is this connection's, for status requests.
   */
  handle(line: Buffer, peer: Sender, answer: (reply: Reply) => void, pacing: StatusPacing): void;
  limits(): ConnectionLimits;
  /** True while the queue to the kernel is full: no connection reads. */
  congested(): boolean;
  closed(connection: Connection): void;
}

interface Slot {
  text: string | undefined;
}

const NEWLINE = 0x0a;
/** Replies held for a client that does not read them, beyond the kernel's socket buffer: then we stop reading. */
export const REPLY_BACKLOG_BYTES = 64 * 1024;
/** Requests framed from one read before the event loop serves everyone else. */
export const LINES_PER_TURN = 128;

/** Only JSON whitespace: a keep-alive a client may send, not a request. */
function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

export class Connection {
  readonly peer: Sender;
  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  readonly #slots: Slot[] = [];
  readonly #out: TickWriter;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #draining = false;
  /** Set after an overlong line: nothing after it on this connection can be framed reliably. */
  #broken = false;
  #drained: (() => void) | undefined;
  /** Bytes received after the last line we could take: framed once the limits allow. */
  #unread: Buffer | undefined;
  #idle: NodeJS.Timeout | undefined;
  /** A read stopped after LINES_PER_TURN: the rest is framed on the next turn of the event loop. */
  #yielding = false;
  readonly #pacing = newStatusPacing();

  constructor(socket: Socket, peer: Sender, host: ConnectionHost) {
    this.peer = peer;
    this.#socket = socket;
    this.#host = host;
    this.#out = new TickWriter(socket, () => {
      if (this.#draining && this.#slots.length === 0 && this.#unread === undefined) this.#finish();
    });
    this.#restartIdle();
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.updateFlow());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(this.#idle);
      this.#pacing.cancel();
      this.#drained?.();
      host.closed(this);
    });
  }

  /** Requests read but not yet answered on the socket. */
  get inFlight(): number {
    return this.#slots.length;
  }

  /**
   * Frames lines left unread when there is room again, then pauses or resumes reading according to the
   * in-flight limit, the daemon's congestion and draining.
   */
  updateFlow(): void {
    const unread = this.#unread;
    if (unread !== undefined && !this.#yielding && !this.#full()) {
      this.#unread = undefined;
      this.#frame(unread);
    }
    const stop = this.#draining || this.#unread !== undefined || this.#full();
    if (stop && !this.#socket.isPaused()) this.#socket.pause();
    else if (!stop && this.#socket.isPaused()) this.#socket.resume();
  }

  /** Stops reading, answers everything already read, then closes. Resolves when the socket is closed. */
  drain(): Promise<void> {
    this.#draining = true;
    this.updateFlow();
    if (this.#socket.destroyed) return Promise.resolve();
    const done = new Promise<void>((resolve) => (this.#drained = resolve));
    if (this.#slots.length === 0 && this.#unread === undefined && !this.#out.pending) this.#finish();
    return done;
  }

  /** Closes at once (stop deadline passed). */
  destroy(): void {
    this.#socket.destroy();
  }

  #full(): boolean {
    return (
      this.#slots.length >= this.#host.limits().maxInFlight ||
      this.#unflushedBytes() > REPLY_BACKLOG_BYTES ||
      this.#host.congested()
    );
  }

  /** Our replies not yet in the kernel's socket buffer. */
  #unflushedBytes(): number {
    return this.#socket.writableLength + this.#out.pendingLength;
  }

  #restartIdle(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      // Replies the client never read would keep an ended socket open for ever.
      if (this.#slots.length === 0 && this.#socket.writableLength > 0) this.#socket.destroy();
      else if (this.#slots.length === 0) this.#socket.end();
      else this.#restartIdle();
    }, this.#host.limits().idleTimeoutMs);
    this.#idle.unref();
  }

  #onData(chunk: Buffer): void {
    this.#frame(chunk);
    this.updateFlow();
  }

  /** Takes the lines of `bytes` one by one while the limits allow; keeps the rest unread. */
  #frame(bytes: Buffer): void {
    let start = 0;
    let taken = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl >= 0; nl = bytes.indexOf(NEWLINE, start)) {
      this.#take(bytes.subarray(start, nl));
      start = nl + 1;
      taken++;
      // Lines already received are answered even while draining for a stop: the client sent them.
      if (this.#broken || this.#socket.destroyed) return;
      if (start < bytes.length && this.#full()) {
        this.#unread = bytes.subarray(start);
        return;
      }
      if (start < bytes.length && taken >= LINES_PER_TURN) {
        this.#unread = bytes.subarray(start);
        this.#yielding = true;
        setImmediate(() => {
          this.#yielding = false;
          this.updateFlow();
        });
        return;
      }
    }
    if (start < bytes.length && !this.#draining) this.#keepPartial(bytes.subarray(start));
  }

  #take(tail: Buffer): void {
    const parts = this.#partialBytes === 0 ? [tail] : [...this.#partial, tail];
    const length = this.#partialBytes + tail.length;
    this.#partial = [];
    this.#partialBytes = 0;
    if (length > this.#host.limits().maxLineBytes) {
      this.#tooLong();
      return;
    }
    const line = parts.length === 1 ? tail : Buffer.concat(parts, length);
    if (isBlank(line)) return;
    this.#restartIdle();
    const slot: Slot = { text: undefined };
    this.#slots.push(slot);
    this.#host.handle(line, this.peer, (reply) => this.#answer(slot, reply), this.#pacing);
  }

  #keepPartial(rest: Buffer): void {
    this.#partial.push(Buffer.from(rest));
    this.#partialBytes += rest.length;
    if (this.#partialBytes > this.#host.limits().maxLineBytes) this.#tooLong();
  }

  /** A line over the limit cannot be resynchronised safely: answer once and close after pending replies. */
  #tooLong(): void {
    const limit = this.#host.limits().maxLineBytes;
    const slot: Slot = { text: undefined };
    this.#slots.push(slot);
    this.#draining = true;
    this.#broken = true;
    this.#partial = [];
    this.#partialBytes = 0;
    this.#answer(
      slot,
      errorReply(null, new RequestError(null, 'REQUEST_TOO_LONG', `Request line exceeds ${limit} bytes`)),
    );
  }

  #answer(slot: Slot, reply: Reply): void {
    slot.text = formatReply(reply);
    let out = '';
    while (this.#slots[0]?.text !== undefined) out += this.#slots.shift()?.text ?? '';
    // Replies resolved in the same tick leave in one write (one syscall), not one write each.
    if (out !== '' && !this.#socket.destroyed) this.#out.write(out);
    this.updateFlow();
    if (this.#draining && this.#slots.length === 0 && this.#unread === undefined && !this.#out.pending) {
      this.#finish();
    }
  }

  /** Ends our side once the replies are flushed, then closes: a paused socket would never see the peer's FIN. */
  #finish(): void {
    this.#socket.end(() => this.#socket.destroy());
  }
}
