import type { ErrorCode } from '../errors/codes.js';

/** What the kernel said about one record: accepted (with the ar_seq it was written with) or why not. */
export type EmitOutcome =
  | { readonly ok: true; readonly seq: number }
  | {
      readonly ok: false;
      /** errno name (EPERM, ECONNREFUSED, EINVAL, …) or EMITTER_STOPPED / EMITTER_CRASHED. */
      readonly code: ErrorCode;
      readonly errno: number;
      readonly syscall: string;
      readonly message: string;
    };
