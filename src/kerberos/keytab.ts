/**
 * Keytab files (MIT format 0x0502, see krb5's keytab file documentation): who owns them, their mode, and
 * which principals they hold — read here without krb5 tools, which a device may not have.
 */
import { readFileSync, statSync } from 'node:fs';
import { AuditRelayError } from '../errors/error.js';

export interface KeytabEntry {
  readonly principal: string;
  readonly kvno: number;
  readonly enctype: number;
}

class Reader {
  #offset = 0;
  constructor(readonly buf: Buffer) {}
  get offset(): number {
    return this.#offset;
  }
  set offset(value: number) {
    this.#offset = value;
  }
  u8(): number {
    return this.buf.readUInt8(this.#offset++);
  }
  u16(): number {
    const v = this.buf.readUInt16BE(this.#offset);
    this.#offset += 2;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32BE(this.#offset);
    this.#offset += 4;
    return v;
  }
  text(): string {
    const length = this.u16();
    const v = this.buf.toString('utf8', this.#offset, this.#offset + length);
    this.#offset += length;
    return v;
  }
}

/** Parses keytab bytes; throws KEYTAB_INVALID when they are not a version 2 keytab. */
export function parseKeytab(buf: Buffer): KeytabEntry[] {
  if (buf.length < 2 || buf[0] !== 0x05 || buf[1] !== 0x02) {
    throw new AuditRelayError('KEYTAB_INVALID', 'Not an MIT keytab (version 0x0502)');
  }
  const r = new Reader(buf);
  r.offset = 2;
  const entries: KeytabEntry[] = [];
  try {
    while (r.offset + 4 <= buf.length) {
      const size = r.i32();
      const end = r.offset + Math.abs(size);
      if (size > 0) {
        const count = r.u16();
        const realm = r.text();
        const components = Array.from({ length: count }, () => r.text());
        r.i32(); // name type
        r.i32(); // timestamp
        const vno8 = r.u8();
        const enctype = r.u16();
        r.offset += r.u16(); // key contents
        const kvno = end - r.offset >= 4 ? r.i32() >>> 0 : vno8;
        entries.push({ principal: `${components.join('/')}@${realm}`, kvno, enctype });
      }
      r.offset = end;
    }
  } catch (error) {
    throw new AuditRelayError('KEYTAB_INVALID', 'The keytab is truncated or corrupt', { cause: error });
  }
  return entries;
}

export interface KeytabFile {
  readonly uid: number;
  readonly mode: number;
  readonly regular: boolean;
  readonly entries: readonly KeytabEntry[];
}

/** Stats and parses a keytab; throws KEYTAB_MISSING / KEYTAB_UNREADABLE / KEYTAB_INVALID. */
export function readKeytab(path: string): KeytabFile {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (error) {
    throw new AuditRelayError('KEYTAB_MISSING', `Keytab "${path}" does not exist`, { cause: error });
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new AuditRelayError('KEYTAB_UNREADABLE', `Cannot read keytab "${path}": ${String(error)}`, {
      cause: error,
    });
  }
  return { uid: st.uid, mode: st.mode & 0o7777, regular: st.isFile(), entries: parseKeytab(bytes) };
}
