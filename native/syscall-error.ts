import { constants } from 'node:os';
import { type ErrorCode, externalCode } from '../src/errors/codes.js';
import { AuditRelayError } from '../src/errors/error.js';

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name] as const),
);

/** The symbolic name of an errno value (`1` → `EPERM`); `EUNKNOWN` when errno was not set. */
export function errnoName(errno: number): ErrorCode {
  return externalCode(ERRNO_NAMES.get(errno) ?? 'EUNKNOWN');
}

/**
 * A failed C call, shaped like Node's own `errnoException`: `code` is the errno name (`EPERM`,
 * `ECONNREFUSED`, `EINVAL`), `errno` the number and `syscall` the C function that failed.
 */
export class SyscallError extends AuditRelayError {
  readonly errno: number;
  readonly syscall: string;

  constructor(syscall: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(code, `${syscall} failed: ${code}${detail === undefined ? '' : ` (${detail})`}`);
    this.errno = errno;
    this.syscall = syscall;
  }
}
