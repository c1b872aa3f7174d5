/**
 * Which field names an application may use. Two kinds are refused: names audit writes or interprets
 * itself (auparse reads them by name), and names ending in a word that ausearch and aureport find by
 * substring (`strstr(msg, "uid=")` also matches `sender_uid=`), so that no application field can change
 * what those tools report about a record.
 *
 * @relation(AR-REQ-002)
 */
import { EventError } from './event-error.js';

/** Lowercase letter first, then lowercase letters, digits, `_`; at most 32. */
export const FIELD_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * Names the kernel, libaudit, auditd or auparse write or interpret themselves, plus our own record
 * field prefixes (`sender_` for the sender, `ar_` for run and sequence, `hb_` for the heartbeat).
 */
const RESERVED_NAMES = new Set([
  ...['type', 'msg', 'node', 'pid', 'ppid', 'uid', 'gid', 'auid', 'euid', 'suid', 'fsuid', 'egid'],
  ...['sgid', 'fsgid', 'ses', 'subj', 'exe', 'comm', 'hostname', 'addr', 'terminal', 'tty', 'res'],
  ...['result', 'success', 'op', 'acct', 'id', 'key', 'seq', 'grantors', 'cwd', 'proctitle', 'exit'],
  ...['syscall', 'arch', 'items', 'obj', 'uuid', 'vm', 'saddr', 'laddr', 'lport', 'rport', 'path'],
  // Our own records' fields (refusal reports, wrappers, tallies) and the field the collector appends
  // after a Kerberos client's record.
  ...['auditrelay', 'reason', 'event', 'refused', 'senders', 'krb5'],
]);
export const RESERVED_PREFIXES = ['sender_', 'ar_', 'hb_'] as const;

/**
 * Every `name=` that ausearch/aureport 3.0.9 and 4.0.2 look for with strstr (src/ausearch-parse.c, all
 * record parsers; `-` spelled `_` as our names allow no `-`). A field name ending in one of them would be
 * found in its place. Names they look for only after a space (` id=`, ` path=`; ` name=` only in PATH records)
 * are reserved exactly above instead.
 */
export const SCANNED_SUFFIXES = [
  ...['a0', 'a1', 'acct', 'addr', 'arch', 'comm', 'cwd', 'exe', 'exit', 'gid', 'hostname', 'key'],
  ...['loginuid', 'obj', 'pid', 'res', 'result', 'saddr', 'scontext', 'ses', 'subj', 'success'],
  ...['syscall', 'tclass', 'tcontext', 'terminal', 'tty', 'type', 'uid', 'uring_op', 'uuid', 'vm'],
  ...['vm_ctx', 'img_ctx', 'new_disk'],
] as const;

/** Throws EVENT_FIELD_NAME_INVALID or EVENT_FIELD_NAME_RESERVED unless `name` is an application's to use. */
export function checkFieldName(name: string): void {
  if (!FIELD_NAME.test(name)) {
    throw new EventError(
      'EVENT_FIELD_NAME_INVALID',
      `Field name ${JSON.stringify(name)} must match ${FIELD_NAME.source}`,
    );
  }
  if (RESERVED_NAMES.has(name) || RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    throw new EventError(
      'EVENT_FIELD_NAME_RESERVED',
      `Field name ${JSON.stringify(name)} is written by the audit system itself`,
    );
  }
  const scanned = SCANNED_SUFFIXES.find((suffix) => name.endsWith(suffix));
  if (scanned !== undefined) {
    throw new EventError(
      'EVENT_FIELD_NAME_RESERVED',
      `Field name ${JSON.stringify(name)} ends in "${scanned}": ausearch and aureport would read it as ${scanned}=`,
    );
  }
}
