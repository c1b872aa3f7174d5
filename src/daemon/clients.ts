/**
 * The daemon's client connections: admitting each (peer identified, connection caps), the host each
 * connection talks to, flow control when the queue to the kernel fills or empties, and draining them for
 * a stop within a deadline. The peer identifier and the request handler are parameters (the seams unit
 * tests use); the daemon supplies the kernel-backed ones.
 */
import type { Socket } from 'node:net';
import type { Sender } from '../audit/record.js';
import type { Config } from '../config/schema.js';
import { settlesWithin } from '../deadline.js';
import type { Logger } from '../log/logger.js';
import { Admission } from './admission.js';
import { Connection, type ConnectionHost } from './connection.js';
import { errorReply, formatReply, type Reply, RequestError } from './protocol.js';
import type { StatusPacing } from './status-service.js';

/** Refused connections are logged at most once per this interval, with the count since the last log. */
const REFUSAL_LOG_MS = 10_000;

export interface ClientsDeps {
  /** The kernel's identity of the peer of an accepted socket; throws when it has none. */
  readonly identify: (socket: Socket) => Sender;
  /** Answers one request line through `answer`, exactly once. */
  readonly handle: (line: Buffer, peer: Sender, answer: (reply: Reply) => void, pacing: StatusPacing) => void;
  readonly config: () => Config['daemon'];
  /** True while the queue to the kernel is full. */
  readonly congested: () => boolean;
  readonly log: Logger;
  /** The process's open file limit (undefined: none known). */
  readonly fdLimit: number | undefined;
}

export class Clients {
  readonly #deps: ClientsDeps;
  readonly #connections = new Set<Connection>();
  readonly #admission: Admission;
  readonly #host: ConnectionHost;
  #wasCongested = false;
  #accepted = 0;
  #lastRefusalLog = Number.NEGATIVE_INFINITY;
  #refusedSinceLog = 0;

  constructor(deps: ClientsDeps) {
    this.#deps = deps;
    this.#admission = new Admission(
      () => ({
        maxConnections: deps.config().max_connections,
        maxPerUid: deps.config().max_connections_per_uid,
      }),
      deps.fdLimit,
    );
    this.#host = {
      handle: deps.handle,
      limits: () => {
        const c = deps.config();
        return {
          maxLineBytes: c.max_line_bytes,
          maxInFlight: c.max_in_flight,
          idleTimeoutMs: c.idle_timeout,
        };
      },
      // A connection that pauses on congestion is woken by queueMoved() once the queue has room again.
      congested: () => {
        const congested = deps.congested();
        if (congested) this.#wasCongested = true;
        return congested;
      },
      closed: (connection) => {
        this.#connections.delete(connection);
        this.#admission.release(connection.peer.uid);
      },
    };
  }

  get open(): number {
    return this.#connections.size;
  }

  /** Connections taken since the start, and refused by the caps. */
  get counts(): { readonly accepted: number; readonly refused: number; readonly cap: number } {
    return { accepted: this.#accepted, refused: this.#admission.refused, cap: this.#admission.cap };
  }

  accept(socket: Socket): void {
    let peer: Sender;
    try {
      peer = this.#deps.identify(socket);
    } catch (error) {
      this.#deps.log.warning(`dropping a connection without peer credentials: ${String(error)}`);
      socket.destroy();
      return;
    }
    const refusal = this.#admission.admit(peer.uid);
    if (refusal !== undefined) {
      this.#refuse(socket, peer, new RequestError(null, refusal.code, refusal.message));
      return;
    }
    const connection = new Connection(socket, peer, this.#host);
    this.#connections.add(connection);
    this.#accepted++;
    connection.updateFlow();
  }

  /** Re-evaluates every connection's reading (after a reload or a change of congestion). */
  updateFlow(): void {
    for (const connection of this.#connections) connection.updateFlow();
  }

  /** Answers what every connection has read, then closes them; past `deadlineMs` closes them at once. */
  async drain(deadlineMs: number): Promise<void> {
    const drained = Promise.all([...this.#connections].map((c) => c.drain()));
    if (!(await settlesWithin(drained, deadlineMs))) {
      this.#deps.log.error(
        `stop: requests still unanswered after ${deadlineMs} ms; closing their connections`,
      );
      for (const connection of this.#connections) connection.destroy();
    }
  }

  /**
   * The queue to the kernel moved (records were answered, whoever sent them: clients, re-sends,
   * heartbeats). Congestion changes for everyone at once: when it has cleared since a connection paused on
   * it, every connection re-evaluates its reading.
   */
  queueMoved(): void {
    if (!this.#wasCongested || this.#deps.congested()) return;
    this.#wasCongested = false;
    this.updateFlow();
  }

  /** One error line, then the close; logged at most once per REFUSAL_LOG_MS with the count. */
  #refuse(socket: Socket, peer: Sender, error: RequestError): void {
    socket.end(formatReply(errorReply(null, error)), () => socket.destroy());
    this.#refusedSinceLog++;
    const now = Date.now();
    if (now - this.#lastRefusalLog < REFUSAL_LOG_MS) return;
    this.#deps.log.warning(
      `refused ${this.#refusedSinceLog} connection(s) over the limits, the last from uid ${peer.uid} pid ${peer.pid}: ${error.message}`,
    );
    this.#lastRefusalLog = now;
    this.#refusedSinceLog = 0;
  }
}
