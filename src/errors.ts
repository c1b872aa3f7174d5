/**
 * The one error base of auditrelay: every error we throw carries a stable `code` (documented, tested;
 * messages may change) and, where it wraps another failure, a `cause`.
 */
export class AuditRelayError extends Error {
  /** Stable machine-readable code, e.g. `EVENT_TYPE_UNKNOWN`, `CONFIG_INVALID`, `EPERM`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Exit codes (sysexits.h meanings), so scripts and systemd's RestartPreventExitStatus= can rely on them. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 64,
  DATAERR: 65,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  IOERR: 74,
  TEMPFAIL: 75,
  NOPERM: 77,
  CONFIG: 78,
} as const;

/** Error code prefix → exit code. The first matching entry wins; unknown codes exit 1. */
const EXIT_TABLE: ReadonlyArray<readonly [RegExp, number]> = [
  [/^USAGE_/, EXIT.USAGE],
  [/^(EVENT_|REQUEST_|VERIFY_RECORDS_MISSING$|VERIFY_SPAN_TOO_LARGE$)/, EXIT.DATAERR],
  [/^VERIFY_NO_LOGS$/, EXIT.UNAVAILABLE],
  [/^(CONFIG_|SOCKET_)/, EXIT.CONFIG],
  [/^(EPERM|EACCES|POLICY_DENIED)$/, EXIT.NOPERM],
  [
    /^(ECONNREFUSED|ENOENT|EPROTONOSUPPORT|EAFNOSUPPORT|DAEMON_UNREACHABLE|DAEMON_CLOSED|DAEMON_PROTOCOL|DAEMON_ALREADY_RUNNING|AUDIT_UNAVAILABLE|NATIVE_LOAD_FAILED|APPLY_NO_[A-Z_]+|STATUS_PROBLEMS)$/,
    EXIT.UNAVAILABLE,
  ],
  [/^(EAGAIN|ENOBUFS|ETIMEDOUT|EINTR|DAEMON_TIMEOUT|DAEMON_BUSY)$/, EXIT.TEMPFAIL],
  [/^(EIO|WRITE_FAILED|APPLY_WRITE_FAILED)$/, EXIT.IOERR],
  [/^(PREFLIGHT_FAILED|KRB5_[A-Z_]+|KEYTAB_[A-Z_]+)$/, EXIT.CONFIG],
];

/** Maps an error to the process exit code the CLI returns for it. */
export function exitCodeFor(error: unknown): number {
  const code = error instanceof AuditRelayError ? error.code : undefined;
  if (code === undefined) return EXIT.FAILURE;
  for (const [pattern, exit] of EXIT_TABLE) if (pattern.test(code)) return exit;
  return EXIT.FAILURE;
}
