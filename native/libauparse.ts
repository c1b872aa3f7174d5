/**
 * libauparse (`libauparse.so.0`, shipped with auditd) through koffi: reads audit log files the way
 * ausearch does — records grouped into events, `node=` prefixes, auditd's ENRICHED part and a truncated
 * last line handled by audit's own parser, not ours. Mirrors audit-userspace `auparse/auparse.c`.
 *
 * Only what `auditrelay verify` needs: single-record events of user-space types that carry a given
 * field, with the values of a few named fields (raw text, quotes removed).
 */
import { clearErrno, HeapString, lastErrno, lazy, loadLibrary } from './load.js';
import { SyscallError } from './syscall-error.js';

export const LIBAUPARSE_ENV = 'AUDITRELAY_LIBAUPARSE';

/** ausource_t (auparse-defs.h): AUSOURCE_LOGS, AUSOURCE_FILE, AUSOURCE_FILE_ARRAY, AUSOURCE_BUFFER, … */
const AUSOURCE_FILE_ARRAY = 2;
const AUSOURCE_BUFFER = 3;

type State = unknown;

interface Bindings {
  auparse_init: (source: number, files: readonly (string | null)[]) => State | null;
  /** The same function, for AUSOURCE_BUFFER: a NUL-terminated text it copies. */
  auparse_init_buffer: (source: number, text: Buffer) => State | null;
  auparse_destroy: (au: State) => void;
  auparse_next_event: (au: State) => number;
  auparse_get_num_records: (au: State) => number;
  auparse_get_type: (au: State) => number;
  auparse_get_time: (au: State) => number;
  auparse_get_milli: (au: State) => number;
  auparse_get_node: (au: State) => string | null;
  auparse_first_record: (au: State) => number;
  auparse_first_field: (au: State) => number;
  auparse_find_field: (au: State, name: string) => string | null;
  auparse_next_record: (au: State) => number;
  auparse_get_record_text: (au: State) => string | null;
  auparse_get_serial: (au: State) => number;
  auparse_get_line_number: (au: State) => number;
}

const bindings = lazy((): Bindings => {
  const lib = loadLibrary(['libauparse.so.0'], LIBAUPARSE_ENV);
  return {
    auparse_init: lib.func('void *auparse_init(int source, const char **b)'),
    auparse_init_buffer: lib.func('auparse_init', 'void *', ['int', 'void *']),
    auparse_destroy: lib.func('void auparse_destroy(void *au)'),
    auparse_next_event: lib.func('int auparse_next_event(void *au)'),
    auparse_get_num_records: lib.func('unsigned int auparse_get_num_records(void *au)'),
    auparse_get_type: lib.func('int auparse_get_type(void *au)'),
    auparse_get_time: lib.func('int64_t auparse_get_time(void *au)'),
    auparse_get_milli: lib.func('unsigned int auparse_get_milli(void *au)'),
    // A strdup'ed copy (auparse.c): freed by the disposable type.
    auparse_get_node: lib.func('auparse_get_node', HeapString, ['void *']),
    auparse_first_record: lib.func('int auparse_first_record(void *au)'),
    auparse_first_field: lib.func('int auparse_first_field(void *au)'),
    auparse_find_field: lib.func('const char *auparse_find_field(void *au, const char *name)'),
    auparse_next_record: lib.func('int auparse_next_record(void *au)'),
    auparse_get_record_text: lib.func('const char *auparse_get_record_text(void *au)'),
    auparse_get_serial: lib.func('unsigned long auparse_get_serial(void *au)'),
    // The current record's line in its file, from 1 (a count of getline() calls: auparse.c).
    auparse_get_line_number: lib.func('unsigned int auparse_get_line_number(void *au)'),
  };
});

/** One record as `visit` sees it; `values` follow the order of the requested names. */
export interface LogRecord {
  readonly node: string | null;
  readonly type: number;
  /** The record's own time stamp (ms since the epoch) and kernel serial. */
  readonly timeMs: number;
  readonly serial: number;
  /** Its line in the file, from 1: where its raw text (the collector's `krb5=`) is. */
  readonly line: number;
  readonly values: readonly (string | undefined)[];
}

export interface RecordQuery {
  /** Only records of a type that passes. */
  readonly type: (type: number) => boolean;
  /** Only records holding this field… */
  readonly required: string;
  /** …and these fields' values (undefined when absent). */
  readonly fields: readonly string[];
}

/** `"text"` → text; anything else as written (numbers, hex). */
function unquote(raw: string): string {
  return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
}

/** The field's value, searched from the event's start (a failed search leaves no current record). */
function field(b: Bindings, au: State, name: string): string | undefined {
  b.auparse_first_record(au);
  b.auparse_first_field(au);
  const raw = b.auparse_find_field(au, name);
  return raw === null ? undefined : unquote(raw);
}

/**
 * What auparse reads: files as one stream, or complete lines in memory (`bytes`, each line ending in a
 * newline: auparse leaves an unterminated last line of a buffer unread). A NUL in `bytes` would end
 * auparse's copy there, so each becomes a space (auditd never writes one: it writes strings).
 */
export type LogSource = readonly string[] | { readonly bytes: Buffer };

function open(b: Bindings, source: LogSource): { au: State | null; what: string } {
  if ('bytes' in source) {
    const text = Buffer.alloc(source.bytes.length + 1);
    source.bytes.copy(text);
    for (let i = text.indexOf(0); i >= 0 && i < source.bytes.length; i = text.indexOf(0, i + 1))
      text[i] = 0x20;
    return { au: b.auparse_init_buffer(AUSOURCE_BUFFER, text), what: `${source.bytes.length} bytes of log` };
  }
  return { au: b.auparse_init(AUSOURCE_FILE_ARRAY, [...source, null]), what: source.join(', ') };
}

/** Opens `source` and calls `onEvent` for each event. Throws SyscallError. */
function forEachEvent(source: LogSource, onEvent: (b: Bindings, au: State) => void): void {
  const b = bindings();
  clearErrno();
  const { au, what } = open(b, source);
  if (au === null) throw new SyscallError('auparse_init', lastErrno(), what);
  try {
    for (;;) {
      const rc = b.auparse_next_event(au);
      if (rc === 0) return;
      if (rc < 0) throw new SyscallError('auparse_next_event', lastErrno(), what);
      onEvent(b, au);
    }
  } finally {
    b.auparse_destroy(au);
  }
}

/**
 * Reads `files` in order (oldest first, as rotated logs are numbered backwards) and calls `visit` for
 * every single-record event that matches `query`. Throws SyscallError when a file cannot be read.
 */
export function readAuditRecords(
  source: LogSource,
  query: RecordQuery,
  visit: (record: LogRecord) => void,
): void {
  forEachEvent(source, (b, au) => {
    // find_field searches the whole event: only single-record events are safe (ours always are).
    if (b.auparse_get_num_records(au) !== 1 || !query.type(b.auparse_get_type(au))) return;
    if (field(b, au, query.required) === undefined) return;
    b.auparse_first_record(au);
    const line = b.auparse_get_line_number(au);
    visit({
      node: b.auparse_get_node(au),
      type: b.auparse_get_type(au),
      timeMs: b.auparse_get_time(au) * 1000 + b.auparse_get_milli(au),
      serial: b.auparse_get_serial(au),
      line,
      values: query.fields.map((name) => field(b, au, name)),
    });
  });
}

/** Every record of a log, as `readEveryRecord` hands it over. */
export interface RawRecord {
  readonly node: string | null;
  readonly type: number;
  /** The event's kernel serial (`audit(<time>:<serial>)`), and its time stamp (ms since the epoch). */
  readonly serial: number;
  readonly timeMs: number;
  /** The record's line as auparse gives it (node=, type=, msg=; not the ENRICHED part nor krb5=). */
  readonly text: string;
  /** Its line in its file, from 1. */
  readonly line: number;
}

/** Reads `files` in order and calls `visit` for every record of every event. Throws SyscallError. */
export function readEveryRecord(source: LogSource, visit: (record: RawRecord) => void): void {
  forEachEvent(source, (b, au) => {
    const node = b.auparse_get_node(au);
    const serial = b.auparse_get_serial(au);
    const timeMs = b.auparse_get_time(au) * 1000 + b.auparse_get_milli(au);
    b.auparse_first_record(au);
    do {
      const text = b.auparse_get_record_text(au);
      const line = b.auparse_get_line_number(au);
      if (text !== null) visit({ node, type: b.auparse_get_type(au), serial, timeMs, text, line });
    } while (b.auparse_next_record(au) > 0);
  });
}
