/**
 * Every stable code auditrelay reports, once: the exit status of the command that fails with it, where
 * it shows (a socket reply, the CLI, a `status` problem, a failed preflight check) and one line of
 * meaning. Throw sites take a `KnownCode`, so a code missing here does not compile; errno names from C
 * calls and codes read off the wire are `ExternalCode`s. docs/error-codes.md is generated from this table.
 */
import { AuditRelayError } from './error.js';
import { EXIT, type ExitCode } from './exit.js';

/** Where a code reaches a person or a program. */
export type Surface = 'reply' | 'cli' | 'status' | 'preflight' | 'log';

export interface CodeInfo {
  readonly exit: ExitCode;
  readonly where: readonly Surface[];
  readonly meaning: string;
}

const code = (exit: ExitCode, where: readonly Surface[], meaning: string): CodeInfo => ({
  exit,
  where,
  meaning,
});

export const CODES = {
  // The command line.
  USAGE_INVALID: code(
    EXIT.USAGE,
    ['cli'],
    'the command line is wrong: unknown command or option, missing value',
  ),
  USAGE_TYPE: code(EXIT.USAGE, ['cli'], '`emit` was given no `--type`'),
  USAGE_FIELD: code(EXIT.USAGE, ['cli'], 'an `emit` field argument is not `name=value`'),
  USAGE_MODE: code(EXIT.USAGE, ['cli'], '`emit --stdin` and `--direct` together: NDJSON goes to the daemon'),
  INTERNAL: code(EXIT.FAILURE, ['reply', 'cli'], 'a defect in auditrelay (not your input): please report it'),
  // The socket protocol.
  REQUEST_MALFORMED: code(EXIT.DATAERR, ['reply'], 'the line is not a JSON object'),
  REQUEST_NOT_UTF8: code(EXIT.DATAERR, ['reply'], 'the line is not valid UTF-8'),
  REQUEST_ID_INVALID: code(
    EXIT.DATAERR,
    ['reply'],
    '`id` is not a string of at most 128 characters or an integer within ±(2^53 − 1)',
  ),
  REQUEST_UNKNOWN: code(EXIT.DATAERR, ['reply'], '`request` is neither `event` nor `status`'),
  REQUEST_TOO_LONG: code(
    EXIT.DATAERR,
    ['reply'],
    'the line exceeds `max_line_bytes`; the connection is closed',
  ),
  CONNECTION_LIMIT: code(
    EXIT.TEMPFAIL,
    ['reply'],
    'over `max_connections` or `max_connections_per_uid`; sent once, then the connection is closed',
  ),
  // Events.
  EVENT_INVALID: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    'not an event object, a key of the wrong type, or an unknown key',
  ),
  EVENT_TYPE_UNKNOWN: code(EXIT.DATAERR, ['reply', 'cli'], 'the event type is not one libaudit knows'),
  EVENT_TYPE_OUT_OF_RANGE: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    'the type is not a user-space type (1100–1199, 2100–2999)',
  ),
  EVENT_TYPE_RESERVED: code(EXIT.DATAERR, ['reply', 'cli'], 'USER_AVC (1107) belongs to SELinux'),
  EVENT_RESULT_INVALID: code(EXIT.DATAERR, ['reply', 'cli'], '`result` is not `success` or `failed`'),
  EVENT_FIELD_NAME_INVALID: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    'a field name is not `[a-z][a-z0-9_]*` of at most 32 bytes',
  ),
  EVENT_FIELD_NAME_RESERVED: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    'a name the audit system writes, ends in a word ausearch scans for, or starts with our `sender_`, `ar_`, `hb_`',
  ),
  EVENT_FIELD_VALUE_INVALID: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    'a value is not a string, number or boolean, not well-formed Unicode, or an integer beyond 2^53',
  ),
  EVENT_OP_INVALID: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    '`op` is not 1–64 letters, digits and `_ . : -`, starting with a letter or digit, not ending in `:`',
  ),
  EVENT_OP_REQUIRED: code(EXIT.DATAERR, ['reply', 'cli'], '`acct` was given without `op`'),
  EVENT_OP_RESERVED: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    "`op` starts with `auditrelay` (any case, any separator): the daemon's own records use it",
  ),
  EVENT_ACCT_INVALID: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    "`acct` is empty, longer than 32 bytes, or holds `'`, `=` or NUL",
  ),
  EVENT_ACCT_REQUIRED: code(EXIT.DATAERR, ['reply', 'cli'], 'an account event type without `acct`'),
  EVENT_ADDR_INVALID: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    '`addr` is not an IP address, is longer than 45 characters, or ends in `:`',
  ),
  EVENT_TOO_LARGE: code(
    EXIT.DATAERR,
    ['reply', 'cli'],
    'the encoded record exceeds `max_record_bytes`; refused whole, never cut',
  ),
  POLICY_DENIED: code(
    EXIT.NOPERM,
    ['reply', 'cli'],
    'no `[[clients]]` rule lets your uid or groups emit this type (the refusal is audited)',
  ),
  // The path to the kernel.
  EMITTER_CRASHED: code(
    EXIT.SOFTWARE,
    ['reply', 'cli'],
    'the worker writing to the kernel failed; the record was not acknowledged',
  ),
  EMITTER_STOPPED: code(EXIT.TEMPFAIL, ['reply', 'cli'], 'the daemon is stopping and takes no more records'),
  NATIVE_LOAD_FAILED: code(
    EXIT.UNAVAILABLE,
    ['cli'],
    'a C library (libaudit, libauparse, libkrb5, libsystemd) cannot be loaded',
  ),
  PEER_NO_FD: code(
    EXIT.SOFTWARE,
    ['cli'],
    'an accepted connection has no file descriptor to read peer credentials from',
  ),
  RELAY_FRAMING: code(
    EXIT.DATAERR,
    ['log'],
    'audisp-remote or the collector sent a frame neither writes (a GSS token or message too long, no magic); the relay resets that connection',
  ),
  // The daemon, as a client sees it.
  DAEMON_UNREACHABLE: code(EXIT.UNAVAILABLE, ['cli', 'status'], 'nothing answers on the socket'),
  DAEMON_CLOSED: code(EXIT.UNAVAILABLE, ['cli'], 'the daemon closed the connection before answering'),
  DAEMON_PROTOCOL: code(
    EXIT.UNAVAILABLE,
    ['cli'],
    'the daemon sent a line that is no reply; the connection is closed',
  ),
  DAEMON_ALREADY_RUNNING: code(
    EXIT.UNAVAILABLE,
    ['cli'],
    'another daemon already listens on the socket path',
  ),
  SOCKET_PATH_IN_USE: code(EXIT.CONFIG, ['cli'], 'the socket path exists and is not a socket'),
  SOCKET_DIR_UNSAFE: code(
    EXIT.CONFIG,
    ['cli'],
    'the socket directory is not owned by root or the daemon, or others can write to it: another user could swap the socket for a link',
  ),
  ROOT_PATH_SYMLINK: code(
    EXIT.CONFIG,
    ['cli'],
    'a path under --root is a symbolic link, which could lead out of the root: not followed',
  ),
  ROOT_PATH_OUTSIDE: code(EXIT.DATAERR, ['cli'], 'a path leaves the root (`..`)'),
  MANIFEST_LINE_INVALID: code(
    EXIT.DATAERR,
    ['cli'],
    'a line of the install manifest names a path install does not write: not removed',
  ),
  SOCKET_LISTEN_FAILED: code(EXIT.CONFIG, ['cli'], 'the daemon cannot listen on the socket path'),
  RELAY_LISTEN_FAILED: code(
    EXIT.CONFIG,
    ['cli'],
    "the daemon cannot listen on the relay's loopback port (below 1024 only root can: under systemd, auditrelay-relay.socket passes it)",
  ),
  // Our configuration.
  CONFIG_INVALID: code(EXIT.CONFIG, ['cli'], 'the config is wrong; every problem is listed by key path'),
  CONFIG_SYNTAX: code(EXIT.CONFIG, ['cli'], 'the config is not valid TOML'),
  CONFIG_UNREADABLE: code(EXIT.CONFIG, ['cli'], 'the config file cannot be read'),
  CONFIG_NO_FORWARDING: code(EXIT.CONFIG, ['cli'], 'the command needs a `[forwarding]` section'),
  CONFIG_LINE_TOO_LONG: code(
    EXIT.CONFIG,
    ['cli'],
    "a rendered audit config line is longer than audit's parsers read (127 bytes)",
  ),
  // apply.
  APPLY_NO_AUDISP_REMOTE: code(
    EXIT.UNAVAILABLE,
    ['cli', 'status'],
    'audisp-remote is not installed (Debian: audispd-plugins)',
  ),
  APPLY_NO_GSSAPI: code(
    EXIT.UNAVAILABLE,
    ['cli', 'status'],
    'audisp-remote was built without GSSAPI: no KRB5 transport',
  ),
  APPLY_NO_AUDITD_CONF: code(
    EXIT.UNAVAILABLE,
    ['cli', 'status'],
    'auditd.conf does not exist (is auditd installed?)',
  ),
  APPLY_AUDIT_VERSION_UNKNOWN: code(
    EXIT.UNAVAILABLE,
    ['cli', 'status'],
    'the installed audit is not a release whose config parsers apply knows (3.0.9, 4.0–4.0.5), or cannot be told',
  ),
  APPLY_WRITE_FAILED: code(
    EXIT.IOERR,
    ['cli'],
    'a managed file could not be written; the message says whether anything changed',
  ),
  APPLY_JOURNAL_INVALID: code(
    EXIT.IOERR,
    ['cli'],
    'the apply journal is unreadable or names files that are not ours',
  ),
  APPLY_RESTART_FAILED: code(EXIT.IOERR, ['cli'], 'the files were written but restarting auditd failed'),
  PREFLIGHT_FAILED: code(
    EXIT.CONFIG,
    ['cli'],
    'a Kerberos preflight check failed (each failed check has its own code)',
  ),
  // Kerberos checks (preflight, apply, status).
  KEYTAB_MISSING: code(EXIT.CONFIG, ['preflight'], 'the keytab does not exist'),
  KEYTAB_UNREADABLE: code(EXIT.CONFIG, ['preflight'], 'the keytab cannot be read'),
  KEYTAB_INVALID: code(EXIT.CONFIG, ['preflight'], 'the file is not an MIT keytab, or is truncated'),
  KEYTAB_OWNER: code(
    EXIT.CONFIG,
    ['preflight'],
    'the keytab is not owned by root (audisp-remote then fails silently)',
  ),
  KEYTAB_MODE: code(
    EXIT.CONFIG,
    ['preflight'],
    'the keytab is not mode 0400 (audisp-remote then fails silently)',
  ),
  KEYTAB_PRINCIPAL_MISSING: code(
    EXIT.CONFIG,
    ['preflight'],
    'the keytab holds no key for our principal (often: an FQDN instead of gethostname())',
  ),
  KEYTAB_KEY_MISMATCH: code(EXIT.CONFIG, ['preflight'], 'the key in the keytab is stale'),
  KRB5_CONF_NO_REALM: code(EXIT.CONFIG, ['preflight'], 'krb5.conf has no `default_realm`'),
  KRB5_KDC_UNREACHABLE: code(EXIT.CONFIG, ['preflight'], 'no KDC of the realm answers'),
  KRB5_CLOCK_SKEW: code(
    EXIT.CONFIG,
    ['preflight'],
    "the device clock and the KDC's differ by more than 5 minutes",
  ),
  KRB5_SERVICE_UNKNOWN: code(EXIT.CONFIG, ['preflight'], "the collector's principal is not in the KDC"),
  KRB5_CLIENT_UNKNOWN: code(EXIT.CONFIG, ['preflight'], "the device's principal is not in the KDC"),
  KRB5_REALM_UNKNOWN: code(EXIT.CONFIG, ['preflight'], 'the collector host maps to no realm'),
  KRB5_TICKET_FAILED: code(
    EXIT.CONFIG,
    ['preflight'],
    'no service ticket for the collector, for a reason not named above',
  ),
  // Problems `status` reports (it then exits with STATUS_PROBLEMS).
  STATUS_PROBLEMS: code(
    EXIT.UNAVAILABLE,
    ['cli'],
    '`status` found problems; each is listed with its own code',
  ),
  KERNEL_STATUS_UNREADABLE: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'kernel audit status cannot be read (needs root)',
  ),
  KERNEL_AUDIT_DISABLED: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'kernel audit is disabled (`enabled 0`): user records are dropped silently',
  ),
  KERNEL_LOST: code(EXIT.UNAVAILABLE, ['status'], 'the kernel lost records (backlog overflow)'),
  AUDIT_RULES_DROP_USER_RECORDS: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'an `exclude` rule or a `never,user` rule drops records after the kernel acknowledged them',
  ),
  AUDITD_NOT_RUNNING: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'no auditd owns kernel audit: records go to the kernel log',
  ),
  AUDISP_REMOTE_NOT_RUNNING: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'auditd runs without audisp-remote: nothing is forwarded',
  ),
  COLLECTOR_NOT_CONNECTED: code(
    EXIT.UNAVAILABLE,
    ['status'],
    "the relay carries no records to the collector: it is unreachable (audisp-remote is held, nothing is lost while auditd's queue holds), or the KDC does not answer",
  ),
  REPAIR_HELD_BACK: code(
    EXIT.UNAVAILABLE,
    ['cli'],
    'auditd runs without audisp-remote, but repair already restarted it too often this hour (is the plugin broken?)',
  ),
  AUDISP_REMOTE_STOPPED: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'auditd has run without audisp-remote for a while and does not start it (max_restarts used up?): auditrelay-repair restarts auditd',
  ),
  RELAY_NOT_CONNECTED: code(
    EXIT.UNAVAILABLE,
    ['status'],
    "audisp-remote is not connected to auditrelay's relay (apply not run, or the daemon not running)",
  ),
  CONFIG_DRIFT: code(EXIT.UNAVAILABLE, ['status'], 'a managed file differs from what apply writes'),
  APPLY_INTERRUPTED: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'an apply stopped after its commit point, before auditd was restarted',
  ),
  LEAK_WRITE_LOGS: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'auditd writes its log on the device (`write_logs` is not `no`)',
  ),
  LEAK_QUEUE_FILE: code(EXIT.UNAVAILABLE, ['status'], 'audisp-remote keeps a queue file on the device'),
  LEAK_JOURNALD_AUDIT: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'journald stores audit records (systemd-journald-audit.socket)',
  ),
  AUDIT_RECORDS_DROPPED: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'auditd or audisp-remote dropped records this boot (a burst outgrew their queues)',
  ),
  RECORDS_LOST: code(
    EXIT.UNAVAILABLE,
    ['status'],
    'records (ours, or of other programs) left retention before forwarding carried them again; verify names them',
  ),
  TAP_UNAVAILABLE: code(
    EXIT.UNAVAILABLE,
    ['status'],
    "the daemon cannot read the kernel's audit records (no CAP_AUDIT_READ): other programs' records are neither retained nor counted",
  ),
  // verify and restore, on the collector.
  RESTORE_OUTPUT_EXISTS: code(EXIT.IOERR, ['cli'], "restore's --output file exists: it never overwrites"),
  RESTORE_OUTPUT_FAILED: code(EXIT.IOERR, ['cli'], "restore's --output file cannot be created"),
  VERIFY_NO_LOGS: code(EXIT.UNAVAILABLE, ['cli'], 'no audit log files where verify was pointed'),
  VERIFY_STATE_UNSAFE: code(
    EXIT.NOPERM,
    ['cli'],
    "verify's --state file is not a regular file of the user running verify, or others can write it: it is not trusted",
  ),
  VERIFY_STATE_INVALID: code(
    EXIT.DATAERR,
    ['cli'],
    "verify's --state file is not one this version writes: remove it to read every log again",
  ),
  VERIFY_STATE_UNWRITABLE: code(EXIT.IOERR, ['cli'], "verify's --state file cannot be written"),
  VERIFY_RECORDS_MISSING: code(EXIT.DATAERR, ['cli'], 'numbered records of ours are missing from the logs'),
  VERIFY_OTHERS_MISSING: code(
    EXIT.DATAERR,
    ['cli'],
    "records of other programs or the kernel that a device's tallies announce are missing (neither as sent nor wrapped)",
  ),
  VERIFY_UNACCOUNTABLE: code(
    EXIT.DATAERR,
    ['cli'],
    "a device's tap fell behind the kernel (overruns): the records it missed cannot be accounted for",
  ),
  VERIFY_UNVERIFIABLE: code(
    EXIT.DATAERR,
    ['cli'],
    "a run's or device's numbering is not what a daemon writes (a jump past 2^32, more than 10,000 runs): it cannot be verified",
  ),
  VERIFY_RUN_SILENT: code(
    EXIT.DATAERR,
    ['cli'],
    "a run ended without the daemon's clean-stop record and its last record is older than two heartbeat intervals: its tail may be lost",
  ),
  VERIFY_UNMARKED_DUPLICATES: code(
    EXIT.DATAERR,
    ['cli'],
    'records of ours arrived twice without the re-send mark (never expected)',
  ),
  VERIFY_HEARTBEAT_GAPS: code(
    EXIT.DATAERR,
    ['cli'],
    "heartbeats of a run are missing: the device's silence is not accounted for",
  ),
  VERIFY_NODE_MISMATCH: code(
    EXIT.DATAERR,
    ['cli'],
    "records name a device (node=) other than the host of the Kerberos principal that sent them: a device writing under another's name, or a name_format that does not match the device's principal",
  ),
} as const satisfies Record<string, CodeInfo>;

export type KnownCode = keyof typeof CODES;

declare const external: unique symbol;
/**
 * A code named outside this table: an errno name from a failed C call (`EPERM`, `ECONNREFUSED`) or a code
 * in a daemon's reply that this client does not know (a newer daemon).
 */
export type ExternalCode = string & { readonly [external]: true };

export type ErrorCode = KnownCode | ExternalCode;

/** errno names with a meaning of their own; any other errno exits 1. */
export const ERRNO_CODES = {
  EPERM: code(EXIT.NOPERM, ['reply', 'cli'], 'the kernel refused: the daemon lacks CAP_AUDIT_WRITE'),
  EACCES: code(EXIT.NOPERM, ['cli'], 'permission denied (a file, or the socket)'),
  ECONNREFUSED: code(
    EXIT.UNAVAILABLE,
    ['reply', 'cli'],
    'the kernel refused: the daemon runs in a non-initial user namespace',
  ),
  ENOENT: code(EXIT.UNAVAILABLE, ['cli'], 'no such file (the socket path, a library)'),
  EPROTONOSUPPORT: code(EXIT.UNAVAILABLE, ['reply', 'cli'], 'the kernel has no audit support'),
  EAFNOSUPPORT: code(EXIT.UNAVAILABLE, ['reply', 'cli'], 'the kernel has no netlink audit'),
  EAGAIN: code(EXIT.TEMPFAIL, ['reply', 'cli'], 'the kernel backlog is full: try again'),
  ENOBUFS: code(EXIT.TEMPFAIL, ['reply', 'cli'], 'the kernel has no buffer: try again'),
  ETIMEDOUT: code(EXIT.TEMPFAIL, ['reply', 'cli'], 'the kernel did not acknowledge in time'),
  EINTR: code(EXIT.TEMPFAIL, ['reply', 'cli'], 'interrupted: try again'),
  EIO: code(EXIT.IOERR, ['cli'], 'an I/O error'),
  EINVAL: code(EXIT.FAILURE, ['reply', 'cli'], 'the kernel refused the record as invalid'),
} as const satisfies Record<string, CodeInfo>;

/** The registry's word for a code that came from outside (errno, the wire). */
export function externalCode(name: string): ErrorCode {
  return isKnownCode(name) ? name : (name as ExternalCode);
}

export function isKnownCode(name: string): name is KnownCode {
  return Object.hasOwn(CODES, name);
}

/** What the registry says of `name`, known or errno; undefined for a code it does not know. */
export function codeInfo(name: string): CodeInfo | undefined {
  if (isKnownCode(name)) return CODES[name];
  return Object.hasOwn(ERRNO_CODES, name) ? ERRNO_CODES[name as keyof typeof ERRNO_CODES] : undefined;
}

/** The exit status for an error: its code's; 1 for a code the registry does not know or an error of no code of ours. */
export function exitCodeFor(error: unknown): ExitCode {
  if (!(error instanceof AuditRelayError)) return EXIT.FAILURE;
  return codeInfo(error.code)?.exit ?? EXIT.FAILURE;
}
