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
import { EVENT_KEYS, type EventInput } from './audit/event.js';
import type { DaemonStatus } from './daemon/status-reply.js';
import { externalCode } from './errors/codes.js';
import { AuditRelayError } from './errors/error.js';
import { TickWriter } from './tick-writer.js';

export type { EventInput } from './audit/event.js';
export type { DaemonStatus } from './daemon/status-reply.js';

/** A refusal or failure reported by the daemon (or the connection): `code` is stable. */
export class ClientError extends AuditRelayError {}

interface Waiter {
  /** What the request asked for: a status reply must carry one, an event's must not matter. */
  readonly kind: 'event' | 'status';
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** A reply as protocol v1 has it, checked field by field; nothing of a hostile line reaches the host. */
type Reply =
  | { readonly id: number | null; readonly ok: true; readonly status: object | undefined }
  | { readonly id: number | null; readonly ok: false; readonly code: string; readonly message: string };

/** The longest reply line accepted (a status is a few KiB): a longer one is a protocol error. */
export const MAX_REPLY_BYTES = 1 << 20;
/** Codes are words of the registry; messages are shown, so they are bounded. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_MESSAGE = 2048;

/** A reply line checked against protocol v1, or a description of what is wrong with it. */
function parseReply(line: string): Reply | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const { id, ok, status, error } = value as Record<string, unknown>;
  if (id !== null && !(typeof id === 'number' && Number.isSafeInteger(id))) return 'an id we never sent';
  if (ok === true) {
    if (status !== undefined && (typeof status !== 'object' || status === null || Array.isArray(status)))
      return 'a status that is no object';
    return { id, ok, status: status as object | undefined };
  }
  if (ok !== false) return '"ok" is not a boolean';
  if (typeof error !== 'object' || error === null) return 'an error without a body';
  const { code, message } = error as Record<string, unknown>;
  if (typeof code !== 'string' || !CODE.test(code)) return 'an error code that is no code';
  if (typeof message !== 'string') return 'an error message that is no string';
  return {
    id,
    ok,
    code,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
  };
}

/**
 * The request line of an event, built from its protocol keys: an event object carrying `id`, `request`
 * or any other key is refused as the daemon refuses it (EVENT_INVALID) — it cannot turn into a status
 * request that resolves as recorded, nor take another request's reply.
 */
function eventRequest(id: number, event: EventInput): Record<string, unknown> {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new ClientError('EVENT_INVALID', 'An event must be an object');
  const unknown = Object.keys(event).filter((key) => !EVENT_KEYS.has(key));
  if (unknown.length > 0)
    throw new ClientError(
      'EVENT_INVALID',
      `Unknown event key(s): ${unknown.map((k) => JSON.stringify(k.slice(0, 64))).join(', ')}`,
    );
  const body: Record<string, unknown> = { id, type: event.type };
  if (event.result !== undefined) body['result'] = event.result;
  if (event.op !== undefined) body['op'] = event.op;
  if (event.acct !== undefined) body['acct'] = event.acct;
  if (event.addr !== undefined) body['addr'] = event.addr;
  if (event.fields !== undefined) body['fields'] = event.fields;
  return body;
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
    await this.#request('event', (id) => eventRequest(id, event));
  }

  /** The daemon's counters and state. */
  status(): Promise<DaemonStatus> {
    // The daemon's reply, as protocol v1 defines it: an object, typed at this one boundary.
    return this.#request('status', (id) => ({ id, request: 'status' })) as Promise<DaemonStatus>;
  }

  /** Closes the connection once every pending request is answered. */
  async close(): Promise<void> {
    if (this.#waiters.size > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#socket.end();
  }

  #request(kind: Waiter['kind'], body: (id: number) => Record<string, unknown>): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    let line: string;
    try {
      line = `${JSON.stringify(body(id))}\n`;
    } catch (error) {
      if (error instanceof ClientError) return Promise.reject(error);
      // A cycle or a BigInt in the caller's fields: refused here, as the daemon refuses what is not JSON.
      const why = error instanceof Error ? error.message : 'not serialisable';
      return Promise.reject(new ClientError('REQUEST_MALFORMED', `The event is not JSON: ${why}`));
    }
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, { kind, resolve, reject });
      this.#out.write(line);
    });
  }

  /** Never throws: this runs in a socket event handler inside the host application. */
  #onData(chunk: string): void {
    this.#buffer += chunk;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      const reply = line.length > MAX_REPLY_BYTES ? 'longer than a reply can be' : parseReply(line);
      if (typeof reply === 'string' || !this.#onReply(reply)) {
        const shown = JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
        const why = typeof reply === 'string' ? reply : 'a reply of the wrong kind';
        this.#protocolError(`The daemon sent a line that is no reply (${why}): ${shown}`);
        return;
      }
    }
    if (this.#buffer.length > MAX_REPLY_BYTES)
      this.#protocolError(`The daemon sent more than ${MAX_REPLY_BYTES} bytes without ending a reply`);
  }

  #protocolError(message: string): void {
    this.#buffer = '';
    this.#fail(new ClientError('DAEMON_PROTOCOL', message));
    this.#socket.destroy();
  }

  /** Settles the request a reply answers; false when the reply does not fit it. */
  #onReply(reply: Reply): boolean {
    // A reply with id null answers the oldest request (a refused connection, an overlong line).
    const id = reply.id ?? this.#waiters.keys().next().value;
    const waiter = id === undefined ? undefined : this.#waiters.get(id);
    if (id === undefined || waiter === undefined) return true; // answered already (a failed stream)
    if (reply.ok && waiter.kind === 'status' && reply.status === undefined) return false;
    this.#waiters.delete(id);
    if (reply.ok) waiter.resolve(waiter.kind === 'status' ? reply.status : undefined);
    else waiter.reject(new ClientError(externalCode(reply.code), reply.message));
    if (this.#waiters.size === 0) this.#idle?.();
    return true;
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
