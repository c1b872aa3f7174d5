import { EventError } from './event-error.js';

/** Resolves audit message type names and numbers; backed by libaudit's own table in production. */
export interface TypeTable {
  toNumber(name: string): number | undefined;
  toName(type: number): string | undefined;
}

/** A resolved event type: the number the kernel gets and the name people read. */
export interface EventType {
  readonly number: number;
  readonly name: string;
}

/** The kernel accepts user-space records only in these ranges (AUDIT_FIRST/LAST_USER_MSG, …_MSG2). */
const USER_RANGES: ReadonlyArray<readonly [number, number]> = [
  [1100, 1199],
  [2100, 2999],
];

/** In range but not ours to write: USER_AVC belongs to SELinux and survives `enabled 0` (platform-facts). */
const RESERVED = new Map<number, string>([[1107, 'USER_AVC is reserved for SELinux access decisions']]);

/**
 * Types that describe an action on an account: they go through audit_log_acct_message and must name the
 * account (`acct`), so the collector's tools (aureport -au, ausearch -ua) find them.
 */
const ACCOUNT_TYPES = new Set([
  1100, // USER_AUTH
  1101, // USER_ACCT
  1102, // USER_MGMT
  1103, // CRED_ACQ
  1104, // CRED_DISP
  1108, // USER_CHAUTHTOK
  1110, // CRED_REFR
  1112, // USER_LOGIN
  1113, // USER_LOGOUT
  1114, // ADD_USER
  1115, // DEL_USER
  1116, // ADD_GROUP
  1117, // DEL_GROUP
  1135, // ACCT_LOCK
  1136, // ACCT_UNLOCK
  2100, // ANOM_LOGIN_FAILURES
  2101, // ANOM_LOGIN_TIME
  2102, // ANOM_LOGIN_SESSIONS
  2103, // ANOM_LOGIN_ACCT
  2104, // ANOM_LOGIN_LOCATION
  2300, // USER_ROLE_CHANGE
  2301, // ROLE_ASSIGN
  2302, // ROLE_REMOVE
]);

/** Whether the kernel accepts records of `type` from user space. */
export function isUserSpaceType(type: number): boolean {
  return USER_RANGES.some(([low, high]) => type >= low && type <= high);
}

/** Resolves `USER_LOGIN`, `1112` or `"1112"` to a user-space type; throws EventError otherwise. */
export function resolveType(table: TypeTable, input: string | number): EventType {
  const number = typeof input === 'number' || /^[0-9]+$/.test(input) ? Number(input) : table.toNumber(input);
  if (number === undefined || !Number.isSafeInteger(number)) {
    throw new EventError('EVENT_TYPE_UNKNOWN', `Unknown event type ${JSON.stringify(input)}`);
  }
  if (!isUserSpaceType(number)) {
    throw new EventError(
      'EVENT_TYPE_OUT_OF_RANGE',
      `Event type ${JSON.stringify(input)} (${number}) is not a user-space type (1100-1199, 2100-2999)`,
    );
  }
  const reserved = RESERVED.get(number);
  if (reserved !== undefined)
    throw new EventError('EVENT_TYPE_RESERVED', `Event type ${number}: ${reserved}`);
  return { number, name: table.toName(number) ?? `UNKNOWN[${number}]` };
}

/** True when the type is an account event (recorded with `acct=` through audit_log_acct_message). */
export function isAccountType(type: EventType): boolean {
  return ACCOUNT_TYPES.has(type.number);
}
