/**
 * The TypeScript client of protocol v1: `import { connect } from 'auditrelay'`.
 *
 * ```ts
 * const relay = await connect('/run/auditrelay/events.sock');
 * await relay.send({ type: 'USER_LOGIN', op: 'login', acct: 'alice', addr: '192.0.2.7', result: 'failed' });
 * await relay.close();
 * ```
 * `send` resolves only when the kernel accepted the record; it rejects with a ClientError carrying the
 * daemon's stable `code` (POLICY_DENIED, EVENT_*, EPERM, …) otherwise. Requests may be pipelined.
 */
import { createConnection, type Socket } from 'node:net';
import type { EventInput } from './audit/event.js';
import type { DaemonStatus } from './daemon/status-reply.js';
import { externalCode } from './errors/codes.js';
import { AuditRelayError } from './errors/error.js';
import { TickWriter } from './tick-writer.js';

export type { EventInput } from './audit/event.js';
export type { DaemonStatus } from './daemon/status-reply.js';

/** A refusal or failure reported by the daemon (or the connection): `code` is stable. */
export class ClientError extends AuditRelayError {}

interface Waiter {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface ReplyLine {
  id?: unknown;
  ok?: unknown;
  status?: unknown;
  error?: { code?: unknown; message?: unknown };
}

/** A reply line as an object, or undefined when it is not JSON or not an object. */
function parseReply(line: string): ReplyLine | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as ReplyLine)
      : undefined;
  } catch {
    return undefined;
  }
}

export class AuditRelayClient {
  readonly #socket: Socket;
  /** Requests made in the same tick leave in one write. */
  readonly #out: TickWriter;
  readonly #waiters = new Map<number, Waiter>();
  #nextId = 1;
  #buffer = '';
  #failure: ClientError | undefined;
  #idle: (() => void) | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    this.#out = new TickWriter(socket);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', (error) =>
      this.#fail(new ClientError('DAEMON_UNREACHABLE', error.message, { cause: error })),
    );
    socket.on('close', () =>
      this.#fail(new ClientError('DAEMON_CLOSED', 'The daemon closed the connection')),
    );
  }

  /** Records one event; resolves when the kernel accepted it. */
  async send(event: EventInput): Promise<void> {
    await this.#request({ ...event });
  }

  /** The daemon's counters and state. */
  status(): Promise<DaemonStatus> {
    // The daemon's reply, as protocol v1 defines it: typed at this one boundary.
    return this.#request({ request: 'status' }) as Promise<DaemonStatus>;
  }

  /** Closes the connection once every pending request is answered. */
  async close(): Promise<void> {
    if (this.#waiters.size > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#socket.end();
  }

  #request(body: Record<string, unknown>): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, { resolve, reject });
      this.#out.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  /** Never throws: this runs in a socket event handler inside the host application. */
  #onData(chunk: string): void {
    this.#buffer += chunk;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      const reply = parseReply(line);
      if (reply === undefined) {
        const shown = JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
        this.#fail(new ClientError('DAEMON_PROTOCOL', `The daemon sent a line that is no reply: ${shown}`));
        this.#socket.destroy();
        return;
      }
      this.#onReply(reply);
    }
  }

  #onReply(reply: ReplyLine): void {
    const id = typeof reply.id === 'number' ? reply.id : [...this.#waiters.keys()][0];
    const waiter = id === undefined ? undefined : this.#waiters.get(id);
    if (id === undefined || waiter === undefined) return;
    this.#waiters.delete(id);
    if (reply.ok === true) waiter.resolve(reply.status);
    else
      waiter.reject(
        new ClientError(
          externalCode(String(reply.error?.code ?? 'UNKNOWN')),
          String(reply.error?.message ?? ''),
        ),
      );
    if (this.#waiters.size === 0) this.#idle?.();
  }

  #fail(error: ClientError): void {
    this.#failure ??= error;
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
    this.#idle?.();
  }
}

/** Connects to the daemon's socket. */
export function connect(path = '/run/auditrelay/events.sock'): Promise<AuditRelayClient> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => resolve(new AuditRelayClient(socket)));
    socket.once('error', (error) =>
      reject(
        new ClientError('DAEMON_UNREACHABLE', `Cannot connect to "${path}": ${error.message}`, {
          cause: error,
        }),
      ),
    );
  });
}
