/**
 * Turns a validated event (and, in the daemon, the sender's kernel-verified identity) into exactly one
 * libaudit call with its final, encoded text — and refuses it whole when it would be too large.
 */
import { encodeField } from './encoding.js';
import type { AuditEvent } from './event.js';
import { EventError } from './event-error.js';
import type { Resend } from './numbering.js';

/** The application process that sent the event, as the kernel reported it (SO_PEERCRED) plus /proc. */
/**
 * The process that sent an event, as the kernel identified it when it connected (SO_PEERCRED,
 * SO_PEERGROUPS; daemon/sender.ts): the policy reads uid and groups, the record carries the rest.
 */
export interface Sender {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups (without `gid`). */
  readonly gids: readonly number[];
  readonly comm?: string | undefined;
  readonly exe?: string | undefined;
}

/**
 * A record ready for libaudit: `kind` selects the C function, all text is already safe. The emitter
 * appends the numbering fields (numbering.ts); `resend` marks a record written again after an outage;
 * `wrapper` one that carries another program's record (audit/wrapped.ts): it gets `ar_run` only, no
 * `ar_seq`, and is not retained — the record it carries is, and is wrapped again if this one is lost.
 */
export type EmitRecord =
  | {
      readonly kind: 'user';
      readonly type: number;
      readonly message: string;
      readonly addr: string | null;
      readonly success: boolean;
      readonly resend?: Resend;
      readonly wrapper?: true;
    }
  | {
      readonly kind: 'acct';
      readonly type: number;
      /** `<op> <encoded fields…>`: libaudit writes it verbatim after `op=`. */
      readonly op: string;
      readonly acct: string;
      readonly addr: string | null;
      readonly success: boolean;
      readonly resend?: Resend;
    };

/**
 * Default and bounds of the record text we build (platform-facts: kernel cuts at 8560 bytes, KRB5
 * earlier); the numbering fields (under 80 bytes) come on top.
 */
export const RECORD_BYTES = { default: 4096, min: 256, max: 6144 } as const;

/**
 * Our fields naming the sender (the kernel's pid/uid and libaudit's exe name the daemon itself). No name
 * ends in a word ausearch/aureport find by substring (`pid`, `uid`, `gid`, `comm`, `exe`): with
 * `sender_uid=` ausearch's second uid scan failed on every record (`ausearch -ui` found none of them),
 * and `sender_exe=` stood in for the real exe= (`ausearch -x`).
 */
export function senderFields(sender: Sender): string[] {
  const out = [`sender_process=${sender.pid}`, `sender_user=${sender.uid}`, `sender_group=${sender.gid}`];
  if (sender.comm !== undefined) out.push(encodeField('sender_command', Buffer.from(sender.comm)));
  if (sender.exe !== undefined) out.push(encodeField('sender_program', Buffer.from(sender.exe)));
  return out;
}

/** Builds the one libaudit call for `event`; throws EVENT_TOO_LARGE when its text exceeds `maxBytes`. */
export function buildRecord(event: AuditEvent, sender: Sender | undefined, maxBytes: number): EmitRecord {
  const parts = event.fields.map(([name, value]) => encodeField(name, value));
  if (sender !== undefined) parts.push(...senderFields(sender));
  const addr = event.addr ?? null;
  // Every part is ASCII after encoding, so string length is byte length.
  if (event.acct !== undefined && event.op !== undefined) {
    const op = [event.op, ...parts].join(' ');
    checkSize(op.length + 2 * Buffer.byteLength(event.acct), maxBytes);
    return { kind: 'acct', type: event.type.number, op, acct: event.acct, addr, success: event.success };
  }
  if (event.op !== undefined) parts.unshift(`op=${event.op}`);
  const message = parts.join(' ');
  checkSize(message.length, maxBytes);
  return { kind: 'user', type: event.type.number, message, addr, success: event.success };
}

function checkSize(bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) {
    throw new EventError('EVENT_TOO_LARGE', `Event is ${bytes} bytes once encoded; the limit is ${maxBytes}`);
  }
}
