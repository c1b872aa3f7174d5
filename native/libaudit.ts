/**
 * libaudit (`libaudit.so.1`) through koffi: the bindings table and a facade that turns libaudit's return
 * conventions into typed errors. Mirrors audit-userspace 3.0.9 `lib/audit_logging.c` and `lib/libaudit.c`.
 *
 * Conventions enforced here so callers cannot get them wrong (platform-facts):
 * - `hostname` is always NULL and `tty` always "" (else libaudit does DNS lookups and tty probing);
 * - `pgname` is always NULL (libaudit writes our own executable as `exe=`);
 * - rc <= 0 is a failure: rc < 0 carries -errno, rc == 0 leaves the cause in errno (EPERM, ECONNREFUSED).
 */
import { clearErrno, HeapString, lastErrno, lazy, loadLibrary } from './load.js';
import { SyscallError } from './syscall-error.js';

/** Environment variable that overrides the library path (tests). */
export const LIBAUDIT_ENV = 'AUDITRELAY_LIBAUDIT';

interface Bindings {
  audit_open: () => number;
  audit_close: (fd: number) => void;
  audit_log_user_message: (
    fd: number,
    type: number,
    message: string,
    hostname: null,
    addr: string | null,
    tty: string,
    result: number,
  ) => number;
  audit_log_user_comm_message: (
    fd: number,
    type: number,
    message: string,
    comm: string,
    hostname: null,
    addr: string | null,
    tty: string,
    result: number,
  ) => number;
  audit_log_acct_message: (
    fd: number,
    type: number,
    pgname: null,
    op: string,
    name: string,
    id: number,
    host: null,
    addr: string | null,
    tty: string,
    result: number,
  ) => number;
  audit_name_to_msg_type: (name: string) => number;
  audit_msg_type_to_name: (type: number) => string | null;
  audit_value_needs_encoding: (value: Uint8Array, size: number) => number;
  audit_encode_nv_string: (name: string, value: Uint8Array, vlen: number) => string | null;
  audit_request_status: (fd: number) => number;
  audit_get_reply: (fd: number, reply: Buffer, block: number, peek: number) => number;
}

const bindings = lazy((): Bindings => {
  const lib = loadLibrary(['libaudit.so.1'], LIBAUDIT_ENV);
  return {
    audit_open: lib.func('int audit_open(void)'),
    audit_close: lib.func('void audit_close(int fd)'),
    audit_log_user_message: lib.func(
      'int audit_log_user_message(int fd, int type, const char *message, const char *hostname, const char *addr, const char *tty, int result)',
    ),
    audit_log_user_comm_message: lib.func(
      'int audit_log_user_comm_message(int fd, int type, const char *message, const char *comm, const char *hostname, const char *addr, const char *tty, int result)',
    ),
    audit_log_acct_message: lib.func(
      'int audit_log_acct_message(int fd, int type, const char *pgname, const char *op, const char *name, unsigned int id, const char *host, const char *addr, const char *tty, int result)',
    ),
    audit_name_to_msg_type: lib.func('int audit_name_to_msg_type(const char *name)'),
    audit_msg_type_to_name: lib.func('const char *audit_msg_type_to_name(int type)'),
    audit_value_needs_encoding: lib.func(
      'int audit_value_needs_encoding(const void *str, unsigned int size)',
    ),
    audit_encode_nv_string: lib.func('audit_encode_nv_string', HeapString, [
      'const char *',
      'const void *',
      'unsigned int',
    ]),
    audit_request_status: lib.func('int audit_request_status(int fd)'),
    audit_get_reply: lib.func('int audit_get_reply(int fd, void *rep, int block, int peek)'),
  };
});

/** `id` value that tells audit_log_acct_message to log `acct=` (the name) instead of `id=`. */
const ACCT_BY_NAME = 0xffffffff;

function check(syscall: string, rc: number): number {
  if (rc > 0) return rc;
  const errno = rc < 0 ? -rc : lastErrno();
  throw new SyscallError(syscall, errno);
}

/** audit_open(): a netlink socket to kernel audit. Needs no privilege; sending does. */
export function auditOpen(): number {
  clearErrno();
  const fd = bindings().audit_open();
  if (fd < 0) throw new SyscallError('audit_open', lastErrno());
  return fd;
}

/** audit_close(fd). */
export function auditClose(fd: number): void {
  bindings().audit_close(fd);
}

/** One record for the generic path: `message` is already encoded, `addr` a validated IP or null. */
export interface UserMessage {
  readonly type: number;
  readonly message: string;
  readonly addr: string | null;
  readonly success: boolean;
}

// The audit_log_* functions set errno = 0 themselves before sending (lib/audit_logging.c), so unlike
// audit_open they need no clearErrno() first: this is the hot path, one native call per record.

/**
 * audit_log_user_message() with `suffix` appended to the message (already encoded: the emitter's
 * numbering); returns the netlink sequence number, throws SyscallError on rc <= 0.
 */
export function logUserMessage(fd: number, m: UserMessage, suffix = ''): number {
  const message = suffix === '' ? m.message : m.message + suffix;
  const rc = bindings().audit_log_user_message(fd, m.type, message, null, m.addr, '', m.success ? 1 : 0);
  return check('audit_log_user_message', rc);
}

/** audit_log_user_comm_message(): like logUserMessage plus `comm=` (libaudit encodes it). */
export function logUserCommMessage(fd: number, m: UserMessage & { readonly comm: string }): number {
  const b = bindings();
  const rc = b.audit_log_user_comm_message(
    fd,
    m.type,
    m.message,
    m.comm,
    null,
    m.addr,
    '',
    m.success ? 1 : 0,
  );
  return check('audit_log_user_comm_message', rc);
}

/** One account record: libaudit writes `op=<op> acct=<acct, encoded by libaudit> exe=… res=`. */
export interface AcctMessage {
  readonly type: number;
  /** Not encoded by libaudit: the caller validated it (and may append encoded fields after it). */
  readonly op: string;
  /** At most 32 bytes: libaudit silently cuts it at UT_NAMESIZE. */
  readonly acct: string;
  readonly addr: string | null;
  readonly success: boolean;
}

/** audit_log_acct_message() with the account logged by name, `suffix` after `op`; throws on rc <= 0. */
export function logAcctMessage(fd: number, m: AcctMessage, suffix = ''): number {
  const b = bindings();
  const rc = b.audit_log_acct_message(
    fd,
    m.type,
    null,
    suffix === '' ? m.op : m.op + suffix,
    m.acct,
    ACCT_BY_NAME,
    null,
    m.addr,
    '',
    m.success ? 1 : 0,
  );
  return check('audit_log_acct_message', rc);
}

/** audit_name_to_msg_type("USER_START") → 1105; undefined for names this libaudit does not know. */
export function nameToMsgType(name: string): number | undefined {
  const type = bindings().audit_name_to_msg_type(name);
  return type < 0 ? undefined : type;
}

/** audit_msg_type_to_name(1105) → "USER_START"; undefined for numbers without a name. */
export function msgTypeToName(type: number): string | undefined {
  return bindings().audit_msg_type_to_name(type) ?? undefined;
}

/** audit_value_needs_encoding() over raw bytes. */
export function valueNeedsEncoding(value: Uint8Array): boolean {
  return bindings().audit_value_needs_encoding(value, value.length) === 1;
}

/** audit_encode_nv_string(name, value): `name="value"` or `name=HEX`; the C string is freed here. */
export function encodeNvString(name: string, value: Uint8Array): string {
  // The quoted path prints the value with %s (and vlen 0 means strlen): always pass a NUL-terminated copy.
  const bytes = new Uint8Array(value.length + 1);
  bytes.set(value);
  const encoded = bindings().audit_encode_nv_string(name, bytes, value.length);
  if (encoded === null) throw new SyscallError('audit_encode_nv_string', lastErrno());
  return encoded;
}

/** audit_request_status(fd): asks the kernel for AUDIT_GET; throws SyscallError (EPERM without CAP_AUDIT_CONTROL). */
export function requestStatus(fd: number): void {
  check('audit_request_status', bindings().audit_request_status(fd));
}

/** audit_get_reply(fd, reply, blocking): the next netlink reply into `reply`; returns its length. */
export function getReply(fd: number, reply: Buffer): number {
  const got = bindings().audit_get_reply(fd, reply, 0, 0);
  if (got < 0) throw new SyscallError('audit_get_reply', -got);
  return got;
}
