/**
 * A model of audit's own `key = value` config files (auditd.conf, audisp-remote.conf, plugins.d/*.conf),
 * after audit-userspace's nv_split(): tokens separated by single spaces, `#` starts a comment line. Parsing
 * keeps every line (comments, blanks, order) so that rewriting one key changes exactly that line. Keys
 * match as audit's parsers match them, with strcasecmp(), and a later line overrides an earlier one:
 * `Write_Logs = yes` after `write_logs = no` means yes.
 *
 * Each parser's line reading is modelled too (3.0.9 and 4.0.2 alike), because a line it does not read as
 * written must not count as a setting:
 * - `skip160` (auditd.conf, src/auditd-config.c; plugins.d, audisp/audispd-pconfig.c): fgets into 160
 *   bytes, and a piece without a newline is "too long" and skipped with the rest of its line — so a line
 *   of 159 bytes or more, and a last line without a newline, are no settings at all;
 * - `split128` (audisp-remote.conf, audisp/plugins/remote/remote-config.c): fgets into 128 bytes, each
 *   127-byte piece of a longer line read as a line of its own — a setting can hide in a long comment.
 */
import { AuditRelayError } from '../errors/error.js';
import { MAX_LINE_BYTES } from './audit-parsers.js';

/** A setting keeps its original text until it is changed, so untouched lines are written back verbatim. */
type Line =
  | {
      readonly kind: 'setting';
      readonly key: string;
      readonly value: string;
      readonly text: string | undefined;
    }
  | { readonly kind: 'other'; readonly text: string }
  /** A line its parser reads in pieces (`split128`): kept verbatim, its pieces' settings count. */
  | { readonly kind: 'pieces'; readonly text: string; readonly settings: readonly Setting[] };

interface Setting {
  readonly key: string;
  readonly value: string;
}

/** How a parser reads lines (see above). */
export type LineReading = 'skip160' | 'split128';

/** auditd.conf and plugin files: fgets(buf, 160) keeps at most 158 bytes and the newline. */
export const SKIP160_MAX_BYTES = 158;
/** audisp-remote.conf: fgets(buf, 128) reads pieces of at most 127 bytes. */
const SPLIT128_PIECE_BYTES = 127;

/** audit compares keywords with strcasecmp(). */
const sameKey = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class ConfFile {
  readonly #lines: Line[];

  private constructor(lines: Line[]) {
    this.#lines = lines;
  }

  /** Parses file text as `reading` reads it; lines that are not `key = value` are kept verbatim. */
  static parse(text: string, reading: LineReading): ConfFile {
    const terminated = text.endsWith('\n');
    const body = terminated ? text.slice(0, -1) : text;
    const texts = body === '' ? [] : body.split('\n');
    const lines = texts.map((line, i): Line => {
      const bytes = Buffer.byteLength(line);
      if (reading === 'skip160') {
        const unterminated = i === texts.length - 1 && !terminated;
        return bytes > SKIP160_MAX_BYTES || unterminated ? { kind: 'other', text: line } : parseLine(line);
      }
      if (bytes <= SPLIT128_PIECE_BYTES) return parseLine(line);
      const settings = pieces(line).flatMap((piece) => {
        const parsed = parseLine(piece);
        return parsed.kind === 'setting' ? [{ key: parsed.key, value: parsed.value }] : [];
      });
      return { kind: 'pieces', text: line, settings };
    });
    return new ConfFile(lines);
  }

  /** The value audit would use: that of the last line for `key`, in any letter case. */
  get(key: string): string | undefined {
    return settingsOf(this.#lines)
      .filter((s) => sameKey(s.key, key))
      .at(-1)?.value;
  }

  keys(): string[] {
    return settingsOf(this.#lines).map((s) => s.key);
  }

  /**
   * Sets `key`: rewrites its first line in place with our spelling (dropping every later line for it, in
   * any letter case, so none can override it), or appends it at the end.
   */
  set(key: string, value: string): void {
    const index = this.#lines.findIndex((l) => l.kind === 'setting' && sameKey(l.key, key));
    if (index < 0) {
      this.#lines.push({ kind: 'setting', key, value, text: undefined });
      return;
    }
    const current = this.#lines[index];
    if (current?.kind !== 'setting' || current.value !== value || current.key !== key)
      this.#lines[index] = { kind: 'setting', key, value, text: undefined };
    for (let i = this.#lines.length - 1; i > index; i--) {
      const line = this.#lines[i];
      if (line?.kind === 'setting' && sameKey(line.key, key)) this.#lines.splice(i, 1);
    }
    // A long line whose pieces set the key would override ours, wherever it is.
    for (let i = this.#lines.length - 1; i >= 0; i--) {
      const line = this.#lines[i];
      if (line?.kind === 'pieces' && line.settings.some((s) => sameKey(s.key, key))) this.#lines.splice(i, 1);
    }
  }

  /** Renders the file; throws CONFIG_LINE_TOO_LONG when a setting would not fit audit's line buffer. */
  render(): string {
    const out = this.#lines.map((line) => {
      if (line.kind !== 'setting' || line.text !== undefined) return line.text;
      const text = `${line.key} = ${line.value}`;
      if (Buffer.byteLength(text) > MAX_LINE_BYTES) {
        throw new AuditRelayError('CONFIG_LINE_TOO_LONG', `"${text}" is longer than ${MAX_LINE_BYTES} bytes`);
      }
      return text;
    });
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}

function settingsOf(lines: readonly Line[]): Setting[] {
  return lines.flatMap((l) => (l.kind === 'setting' ? [l] : l.kind === 'pieces' ? l.settings : []));
}

/** The pieces fgets(buf, 128) reads of a long line: 127 bytes each (a UTF-8 character may be cut). */
function pieces(line: string): string[] {
  const bytes = Buffer.from(line);
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += SPLIT128_PIECE_BYTES)
    out.push(bytes.subarray(at, at + SPLIT128_PIECE_BYTES).toString('latin1'));
  return out;
}

function parseLine(text: string): Line {
  const tokens = text.split(' ').filter((t) => t !== '');
  const [key, eq, value, ...rest] = tokens;
  if (key === undefined || key.startsWith('#') || eq !== '=' || value === undefined || rest.length > 0) {
    return { kind: 'other', text };
  }
  return { kind: 'setting', key, value, text };
}
