/**
 * Protocol v1 (docs/protocol.md): newline-delimited JSON over a Unix stream socket. Each request line is an
 * object with an `id` and either an event (`type`, `fields`, `result`, `op`, `acct`, `addr`) or
 * `"request": "status"`. Each gets exactly one reply line, in request order.
 */
import { isUtf8 } from 'node:buffer';
import type { ErrorCode, KnownCode } from '../errors/codes.js';
import { AuditRelayError } from '../errors/error.js';
import type { DaemonStatus } from './status-reply.js';

export type RequestId = string | number | null;

export type Request =
  | { readonly kind: 'event'; readonly id: RequestId; readonly event: Record<string, unknown> }
  | { readonly kind: 'status'; readonly id: RequestId };

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
}

export type Reply =
  | { readonly id: RequestId; readonly ok: true; readonly status?: DaemonStatus }
  | { readonly id: RequestId; readonly ok: false; readonly error: ErrorBody };

/** A request we could not read; carries the id when one was readable, so the reply still matches. */
export class RequestError extends AuditRelayError {
  readonly id: RequestId;

  constructor(id: RequestId, code: KnownCode, message: string) {
    super(code, message);
    this.id = id;
  }
}

/**
 * A string, or an integer JSON carries exactly: a number past 2^53 (or with a fraction) comes back from
 * JSON.parse rounded, and its reply would name another request.
 */
function readId(value: unknown): RequestId {
  if (value === undefined || value === null) return null;
  if (
    (typeof value === 'string' && value.length <= 128) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  ) {
    return value;
  }
  throw new RequestError(
    null,
    'REQUEST_ID_INVALID',
    '"id" must be a string (at most 128 characters) or an integer within ±(2^53 − 1)',
  );
}

/**
 * Parses one request line; throws RequestError (REQUEST_NOT_UTF8, REQUEST_MALFORMED, REQUEST_ID_INVALID,
 * REQUEST_UNKNOWN). Bytes that are not UTF-8 are refused: decoding would turn them into U+FFFD and we
 * would record what the application never sent.
 */
export function parseRequest(line: Uint8Array): Request {
  if (!isUtf8(line)) {
    throw new RequestError(null, 'REQUEST_NOT_UTF8', 'The request line is not valid UTF-8');
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8'));
  } catch {
    throw new RequestError(null, 'REQUEST_MALFORMED', 'The request line is not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new RequestError(null, 'REQUEST_MALFORMED', 'A request must be a JSON object');
  }
  const { id: rawId, request, ...event } = data as Record<string, unknown>;
  const id = readId(rawId);
  if (request === 'status') return { kind: 'status', id };
  if (request !== undefined && request !== 'event') {
    throw new RequestError(id, 'REQUEST_UNKNOWN', `Unknown request ${JSON.stringify(request)}`);
  }
  return { kind: 'event', id, event };
}

/** Serialises a reply as one line. */
export function formatReply(reply: Reply): string {
  return `${JSON.stringify(reply)}\n`;
}

/** The error reply for any failure, keeping the stable code. */
export function errorReply(id: RequestId, error: unknown): Reply {
  if (error instanceof AuditRelayError)
    return { id, ok: false, error: { code: error.code, message: error.message } };
  return { id, ok: false, error: { code: 'INTERNAL', message: 'Internal error' } };
}
