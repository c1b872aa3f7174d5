/**
 * The one error base of auditrelay: every error we throw carries a stable `code` from the registry
 * (codes.ts; messages may change) and, where it wraps another failure, a `cause`.
 */
import type { ErrorCode } from './codes.js';

export class AuditRelayError extends Error {
  /** Stable machine-readable code, e.g. `EVENT_TYPE_UNKNOWN`, `CONFIG_INVALID`, `EPERM`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
