/**
 * Who sent each line of a collector's log: the Kerberos principal the collector's auditd authenticated
 * and appended as the line's last field (` krb5=<principal>`, auditd-listen.c, every release through
 * 4.2.1). libauparse does not show that field on a record carrying auditd's ENRICHED part, so the raw
 * lines of each piece of log (log-chunks.ts) are read here and looked up by the line number libauparse
 * reports for the same piece.
 *
 * Only the last ` krb5=` counts, and only when it ends the line with a principal's characters: a field a
 * device wrote earlier in its record cannot stand in for the collector's. A line without it has no
 * identity (a TCP collector, the collector's own records, or a record a device split with a newline).
 * Limit, stated in the security model: the collector writes a device's message up to its first NUL, so a
 * device whose root runs a modified GSS client can cut the collector's field off and end its line with
 * one of its own; a stock audisp-remote cannot.
 *
 * Memory: 4 bytes per line of the piece being read, and each distinct principal once.
 *
 * @relation(AR-REQ-025)
 */
const FIELD = Buffer.from(' krb5=');
/** Longer than any principal a KDC issues for a device (and than what the collector appends whole). */
const MAX_PRINCIPAL = 256;
/** A line longer than this has no identity (auditd writes at most MAX_AUDIT_MESSAGE_LENGTH, 8970). */
const MAX_LINE = 64 * 1024;
/** Distinct principals interned per piece; past it a line has no identity (no fleet is this large). */
export const MAX_PRINCIPALS = 1 << 20;

function isPrincipal(bytes: Buffer): boolean {
  if (bytes.length === 0 || bytes.length > MAX_PRINCIPAL) return false;
  for (const b of bytes) if (b < 0x21 || b > 0x7e) return false;
  return true;
}

/** The principal that ends `line`, or undefined. */
export function principalOfLine(line: Buffer): string | undefined {
  const at = line.lastIndexOf(FIELD);
  if (at < 0) return undefined;
  const value = line.subarray(at + FIELD.length);
  return isPrincipal(value) ? value.toString('latin1') : undefined;
}

/** The principal of every line of one piece of log, by line number (from 1, as libauparse counts). */
export class LinePrincipals {
  readonly #names: string[] = [''];
  readonly #ids = new Map<string, number>();
  #byLine = new Uint32Array(1024);
  #lines = 0;

  /** The principals of the lines in `bytes` (a piece of a log: log-chunks.ts), line 1 first. */
  static of(bytes: Buffer | string): LinePrincipals {
    const out = new LinePrincipals();
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    let start = 0;
    while (start < buffer.length) {
      let nl = buffer.indexOf(10, start);
      if (nl < 0) nl = buffer.length;
      const line = buffer.subarray(start, nl);
      out.#addLine(line.length > MAX_LINE ? undefined : line);
      start = nl + 1;
    }
    return out;
  }

  #addLine(line: Buffer | undefined): void {
    const name = line === undefined ? undefined : principalOfLine(line);
    let id = 0;
    if (name !== undefined) {
      id = this.#ids.get(name) ?? 0;
      if (id === 0 && this.#names.length <= MAX_PRINCIPALS) {
        id = this.#names.length;
        this.#names.push(name);
        this.#ids.set(name, id);
      }
    }
    if (this.#lines === this.#byLine.length) {
      const grown = new Uint32Array(this.#byLine.length * 2);
      grown.set(this.#byLine);
      this.#byLine = grown;
    }
    this.#byLine[this.#lines++] = id;
  }

  /** Lines read. */
  get lines(): number {
    return this.#lines;
  }

  /** The principal that sent line `line` (from 1), or null when it carries none. */
  at(line: number): string | null {
    if (!Number.isInteger(line) || line < 1 || line > this.#lines) return null;
    return this.#names[this.#byLine[line - 1] ?? 0] || null;
  }
}
