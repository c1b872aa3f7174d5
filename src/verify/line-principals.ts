/**
 * Who sent each line of a collector's log: the Kerberos principal the collector's auditd authenticated
 * and appended as the line's last field (` krb5=<principal>`, auditd-listen.c, every release through
 * 4.2.1). libauparse does not show that field on a record carrying auditd's ENRICHED part, so the raw
 * lines are read here, once per file, and looked up by the line number libauparse reports.
 *
 * Only the last ` krb5=` counts, and only when it ends the line with a principal's characters: a field a
 * device wrote earlier in its record cannot stand in for the collector's. A line without it has no
 * identity (a TCP collector, the collector's own records, or a record a device split with a newline).
 * Limit, stated in the security model: the collector writes a device's message up to its first NUL, so a
 * device whose root runs a modified GSS client can cut the collector's field off and end its line with
 * one of its own; a stock audisp-remote cannot.
 *
 * Memory: 4 bytes per line of the file being read, and each distinct principal once.
 *
 * @relation(AR-REQ-025)
 */
import { closeSync, openSync, readSync } from 'node:fs';

const FIELD = Buffer.from(' krb5=');
/** Longer than any principal a KDC issues for a device (and than what the collector appends whole). */
const MAX_PRINCIPAL = 256;
/** A line longer than this has no identity (auditd writes at most MAX_AUDIT_MESSAGE_LENGTH, 8970). */
const MAX_LINE = 64 * 1024;
/** Distinct principals interned per file; past it a line has no identity (no fleet is this large). */
export const MAX_PRINCIPALS = 1 << 20;
const CHUNK = 1 << 20;

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

/** The principal of every line of one file, by line number (from 1, as libauparse counts). */
export class LinePrincipals {
  readonly #names: string[] = [''];
  readonly #ids = new Map<string, number>();
  #byLine = new Uint32Array(1024);
  #lines = 0;

  /** Reads `file` whole. Throws the fs error when it cannot be read. */
  static read(file: string): LinePrincipals {
    const out = new LinePrincipals();
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(CHUNK);
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      for (;;) {
        const n = readSync(fd, buffer, 0, CHUNK, null);
        if (n === 0) break;
        const chunk = buffer.subarray(0, n);
        let start = 0;
        for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
          const piece = chunk.subarray(start, nl);
          if (pendingBytes === 0) out.#addLine(piece.length > MAX_LINE ? undefined : piece);
          else {
            out.#addLine(
              pendingBytes + piece.length > MAX_LINE ? undefined : Buffer.concat([...pending, piece]),
            );
            pending = [];
            pendingBytes = 0;
          }
          start = nl + 1;
        }
        if (start < n) {
          // A line continues into the next chunk: keep at most MAX_LINE of it (past that it has no identity).
          if (pendingBytes <= MAX_LINE) pending.push(Buffer.from(chunk.subarray(start)));
          pendingBytes += n - start;
        }
      }
      if (pendingBytes > 0) out.#addLine(pendingBytes > MAX_LINE ? undefined : Buffer.concat(pending));
    } finally {
      closeSync(fd);
    }
    return out;
  }

  /** Builds from text (tests). */
  static of(text: string): LinePrincipals {
    const out = new LinePrincipals();
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) out.#addLine(Buffer.from(line, 'latin1'));
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
