/**
 * Audit's value encoding, done in TypeScript so the hot path makes no native call and allocates no C
 * memory. It is byte-identical to libaudit's `audit_encode_nv_string()` (lib/audit_logging.c) — a unit
 * test proves it against the real library — with two deliberate differences, values containing `'` or
 * `=` are hex-encoded too. libaudit does not flag `'`, yet inside the kernel's `msg='…'` a raw `'` ends
 * the message and lets the rest of the value forge fields (platform-facts: "quote injection"). An `=`
 * is safe for auparse, but ausearch and aureport find `res=`, `exe=`, `uid=` … by substring: the value
 * `"res=success"` of a failed event would make them report a success.
 *
 * The result never contains a raw space, `"`, `'`, control byte, DEL or non-ASCII byte: NUL, newline,
 * 0x1d (auditd's ENRICHED separator) and invalid UTF-8 all travel as hex and decode back exactly.
 *
 * @relation(AR-REQ-002)
 */

const HEX = '0123456789ABCDEF';
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const EQUALS = 0x3d;
const DEL = 0x7f;

/** libaudit's `audit_value_needs_encoding()` rule (signed char: bytes >= 0x80 count as < 0x21), `'`, `=`. */
export function needsEncoding(value: Uint8Array): boolean {
  for (const byte of value) {
    if (byte < 0x21 || byte >= DEL || byte === QUOTE || byte === APOSTROPHE || byte === EQUALS) {
      return true;
    }
  }
  return false;
}

/** Uppercase hex of the bytes, as libaudit's `audit_encode_value()` writes it. */
export function toHex(value: Uint8Array): string {
  let out = '';
  for (const byte of value) out += HEX.charAt(byte >> 4) + HEX.charAt(byte & 0x0f);
  return out;
}

/** Encodes one value: `"value"` when it is safe as is, else its uppercase hex (no quotes). */
export function encodeValue(value: Uint8Array): string {
  if (value.length > 0 && needsEncoding(value)) return toHex(value);
  return `"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1')}"`;
}

/** `name=<encoded value>`: the field text as it appears in the record. */
export function encodeField(name: string, value: Uint8Array): string {
  return `${name}=${encodeValue(value)}`;
}

/**
 * The inverse, as auparse interprets an encoded field (`au_unescape()`): a quoted value loses its quotes,
 * an unquoted one is hex. Returns undefined for text that is neither (it was not written by us).
 */
export function decodeValue(text: string): Uint8Array | undefined {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return Buffer.from(text.slice(1, -1), 'latin1');
  }
  if (text.length % 2 !== 0 || !/^[0-9A-F]*$/.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}
