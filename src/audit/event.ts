/**
 * The event model: what an application may ask us to record, validated into a form that cannot forge
 * anything. An event is a type, an ordered list of fields, a result, and for account events `acct`/`op`.
 */
import { isIP } from 'node:net';
import type { KnownCode } from '../errors/codes.js';
import { EventError } from './event-error.js';
import { type EventType, isAccountType, resolveType, type TypeTable } from './event-types.js';
import { checkFieldName } from './field-names.js';

/** What a client sends (protocol v1 / TypeScript API). */
export interface EventInput {
  /** Type name (`USER_LOGIN`) or number (1112); only 1100-1199 and 2100-2999. */
  readonly type: string | number;
  /** Defaults to `success`. */
  readonly result?: 'success' | 'failed';
  /** The operation, e.g. `login`, `set-config`; required with `acct`. */
  readonly op?: string;
  /** The account acted on (at most 32 bytes); required for account types such as USER_LOGIN. */
  readonly acct?: string;
  /** IP address of the remote party (e.g. the web client that logged in). */
  readonly addr?: string;
  /** Application fields in order: lowercase names, untrusted values. */
  readonly fields?: Readonly<Record<string, string | number | boolean>>;
}

/** A validated event: every value is bytes that the encoder may write safely. */
export interface AuditEvent {
  readonly type: EventType;
  readonly success: boolean;
  readonly op: string | undefined;
  readonly acct: string | undefined;
  readonly addr: string | undefined;
  readonly fields: ReadonlyArray<readonly [string, Uint8Array]>;
}

/**
 * `op` is written unencoded by libaudit: a conservative word such as `login` or `PAM:authentication`,
 * not ending in `:` (ausearch drops the trailing colon when it reads the record back).
 */
export const OP_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_.:-]{0,62}[A-Za-z0-9_.-])?$/;
/**
 * The op names of the daemon's own records (heartbeats, refusal summaries, wrappers, tallies): no client
 * may use any op spelled like them (`auditrelay-refusal`, `auditrelay.x`, `AuditRelay_y`).
 */
export const RESERVED_OP_PREFIX = 'auditrelay';
/** libaudit cuts `acct` at UT_NAMESIZE bytes without telling: refuse instead. */
export const ACCT_MAX_BYTES = 32;

/** The keys an event has: the client builds its request from these, the daemon refuses others. */
export const EVENT_KEYS: ReadonlySet<string> = new Set(['type', 'result', 'op', 'acct', 'addr', 'fields']);

function fail(code: KnownCode, message: string): never {
  throw new EventError(code, message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail('EVENT_INVALID', `"${key}" must be a string`);
  return value;
}

function valueBytes(name: string, value: unknown): Uint8Array {
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    // JSON.parse has already rounded it: what we would record is not what the application sent.
    fail(
      'EVENT_FIELD_VALUE_INVALID',
      `Field ${JSON.stringify(name)} is an integer beyond 2^53 (${value}): send it as a string`,
    );
  }
  if (typeof value === 'number' && Number.isFinite(value)) return Buffer.from(String(value));
  if (typeof value === 'boolean') return Buffer.from(String(value));
  if (typeof value !== 'string') {
    fail('EVENT_FIELD_VALUE_INVALID', `Field ${JSON.stringify(name)} must be a string, number or boolean`);
  }
  // A lone surrogate has no UTF-8 form: replacing it would record something the app never said.
  if (!value.isWellFormed()) {
    fail('EVENT_FIELD_VALUE_INVALID', `Field ${JSON.stringify(name)} is not well-formed Unicode`);
  }
  return Buffer.from(value, 'utf8');
}

function parseFields(raw: unknown): Array<readonly [string, Uint8Array]> {
  if (raw === undefined || raw === null) return [];
  if (!isRecord(raw)) fail('EVENT_INVALID', '"fields" must be an object of name → value');
  return Object.entries(raw).map(([name, value]) => {
    checkFieldName(name);
    return [name, valueBytes(name, value)] as const;
  });
}

function parseResult(raw: unknown): boolean {
  if (raw === undefined || raw === null || raw === 'success') return true;
  if (raw === 'failed') return false;
  return fail('EVENT_RESULT_INVALID', `"result" must be "success" or "failed", not ${JSON.stringify(raw)}`);
}

function parseOp(raw: string | undefined): string | undefined {
  if (raw !== undefined && !OP_PATTERN.test(raw)) {
    fail('EVENT_OP_INVALID', `"op" ${JSON.stringify(raw)} must match ${OP_PATTERN.source}`);
  }
  if (raw?.toLowerCase().startsWith(RESERVED_OP_PREFIX)) {
    fail(
      'EVENT_OP_RESERVED',
      `"op" ${JSON.stringify(raw)}: ops starting "${RESERVED_OP_PREFIX}" are the daemon's own`,
    );
  }
  return raw;
}

function parseAcct(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // libaudit quotes acct but misses `'` (quote injection) and stops at NUL: neither can be recorded exactly.
  // An `=` is not encoded by libaudit: ausearch would find `acct="comm=x"` as comm=.
  if (raw.length === 0 || /['=\0]/.test(raw) || !raw.isWellFormed()) {
    fail('EVENT_ACCT_INVALID', `"acct" ${JSON.stringify(raw)} must be non-empty, without ', = or NUL`);
  }
  if (Buffer.byteLength(raw) > ACCT_MAX_BYTES) {
    fail('EVENT_ACCT_INVALID', `"acct" is longer than ${ACCT_MAX_BYTES} bytes (libaudit would cut it)`);
  }
  return raw;
}

/** libaudit copies `addr` into INET6_ADDRSTRLEN bytes: longer text (a long IPv6 zone id) is cut. */
export const ADDR_MAX_CHARS = 45;

function parseAddr(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (isIP(raw) === 0) fail('EVENT_ADDR_INVALID', `"addr" ${JSON.stringify(raw)} is not an IP address`);
  if (raw.length > ADDR_MAX_CHARS) {
    fail('EVENT_ADDR_INVALID', `"addr" is longer than ${ADDR_MAX_CHARS} characters (libaudit would cut it)`);
  }
  // ausearch drops a trailing `:` when it reads addr back (`1::` would come back as `1:`).
  if (raw.endsWith(':')) {
    fail(
      'EVENT_ADDR_INVALID',
      `"addr" ${JSON.stringify(raw)} ends in ":": write the last group out (1::0 for 1::)`,
    );
  }
  return raw;
}

/** Validates untrusted input into an AuditEvent; throws EventError with a stable code on the first problem. */
export function parseEvent(input: unknown, types: TypeTable): AuditEvent {
  if (!isRecord(input)) fail('EVENT_INVALID', 'An event must be a JSON object');
  const unknown = Object.keys(input).filter((key) => !EVENT_KEYS.has(key));
  if (unknown.length > 0)
    fail('EVENT_INVALID', `Unknown event key(s): ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  const rawType = input['type'];
  if (typeof rawType !== 'string' && typeof rawType !== 'number') {
    fail('EVENT_INVALID', '"type" is required: a type name such as "USER_LOGIN" or a number');
  }
  const type = resolveType(types, rawType);
  const op = parseOp(optionalString(input, 'op'));
  const acct = parseAcct(optionalString(input, 'acct'));
  if (acct === undefined && isAccountType(type)) {
    fail('EVENT_ACCT_REQUIRED', `${type.name} is an account event: "acct" is required`);
  }
  if (acct !== undefined && op === undefined) fail('EVENT_OP_REQUIRED', '"op" is required with "acct"');
  return {
    type,
    success: parseResult(input['result']),
    op,
    acct,
    addr: parseAddr(optionalString(input, 'addr')),
    fields: parseFields(input['fields']),
  };
}
