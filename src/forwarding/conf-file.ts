/**
 * A model of audit's own `key = value` config files (auditd.conf, audisp-remote.conf, plugins.d/*.conf),
 * after audit-userspace's nv_split(): tokens separated by single spaces, `#` starts a comment line, lines
 * are read into 128-byte buffers. Parsing keeps every line (comments, blanks, order) so that rewriting one
 * key changes exactly that line. Keys match as audit's parsers match them, with strcasecmp(), and a later
 * line overrides an earlier one: `Write_Logs = yes` after `write_logs = no` means yes.
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
  | { readonly kind: 'other'; readonly text: string };

/** audit compares keywords with strcasecmp(). */
const sameKey = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class ConfFile {
  readonly #lines: Line[];

  private constructor(lines: Line[]) {
    this.#lines = lines;
  }

  /** Parses file text; lines that are not `key = value` are kept verbatim. */
  static parse(text: string): ConfFile {
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    const lines: Line[] = body === '' ? [] : body.split('\n').map(parseLine);
    return new ConfFile(lines);
  }

  /** The value audit would use: that of the last line for `key`, in any letter case. */
  get(key: string): string | undefined {
    const values = this.#lines.filter((l) => l.kind === 'setting' && sameKey(l.key, key));
    const last = values.at(-1);
    return last?.kind === 'setting' ? last.value : undefined;
  }

  keys(): string[] {
    return this.#lines.flatMap((l) => (l.kind === 'setting' ? [l.key] : []));
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
  }

  /** Renders the file; throws CONFIG_LINE_TOO_LONG when a setting would not fit audit's line buffer. */
  render(): string {
    const out = this.#lines.map((line) => {
      if (line.kind === 'other' || line.text !== undefined) return line.text;
      const text = `${line.key} = ${line.value}`;
      if (Buffer.byteLength(text) > MAX_LINE_BYTES) {
        throw new AuditRelayError('CONFIG_LINE_TOO_LONG', `"${text}" is longer than ${MAX_LINE_BYTES} bytes`);
      }
      return text;
    });
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}

function parseLine(text: string): Line {
  const tokens = text.split(' ').filter((t) => t !== '');
  const [key, eq, value, ...rest] = tokens;
  if (key === undefined || key.startsWith('#') || eq !== '=' || value === undefined || rest.length > 0) {
    return { kind: 'other', text };
  }
  return { kind: 'setting', key, value, text };
}
