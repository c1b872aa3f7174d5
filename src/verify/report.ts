/**
 * `auditrelay verify`'s human output: one table row per device and run for our records, one for the
 * records of other programs and the kernel, then what is missing in each. A device is its principal
 * (NODE is the name it wrote; `(!)` when that is not the principal's host). Names come from other devices'
 * records: every character that is not printable ASCII is shown escaped (`\x1b`), so no log line can
 * drive the terminal.
 */
import type { ForeignReport } from './foreign-ledger.js';
import type { RunReport, SeqRange } from './ledger.js';
import { type Finding, isSilent } from './verdict.js';

/** `text` with every character outside printable ASCII escaped, at most 200 characters shown. */
export function printable(text: string): string {
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return shown.replace(/[^\x20-\x7e…]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

function ranges(list: readonly SeqRange[], most = 10): string {
  const text = list.slice(0, most).map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`));
  return list.length > most ? `${text.join(', ')}, … (${list.length - most} more)` : text.join(', ');
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

const COLUMNS = [
  'DEVICE',
  'NODE',
  'RUN',
  'RECORDS',
  'SEQ',
  'MISSING',
  'RESENT',
  'DUPLICATES',
  'HB GAPS',
  'FROM',
  'TO',
  'END',
];

/** Left-aligned columns (widths by a loop: a spread of 130,000 rows overflowed the stack). */
function table(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c) => c.length);
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map(line)];
}

const FOREIGN_COLUMNS = [
  'DEVICE',
  'RUN',
  'TALLIES',
  'KERNEL',
  'USER SPACE',
  'WRAPPED',
  'MISSING',
  'OVERRUNS',
];

/** Records of other programs and the kernel: announced / found, per device and run. */
function renderForeign(foreign: readonly ForeignReport[]): string[] {
  if (foreign.length === 0) return [];
  const rows = foreign.map((f) => [
    printable(f.device),
    f.run,
    String(f.tallies),
    `${f.foundKernel}/${f.expectedKernel}`,
    `${f.foundUser}/${f.expectedUser}`,
    String(f.unwrapped),
    String(f.missingKernel + f.missingUser),
    String(f.overruns),
  ]);
  return [
    'all records the devices forwarded (found/announced by their tallies):',
    ...table(FOREIGN_COLUMNS, rows),
  ];
}

export interface ReportInput {
  readonly problems: readonly Finding[];
  readonly asOfMs: number;
  readonly runs: readonly RunReport[];
  readonly foreign: readonly ForeignReport[];
  readonly files: readonly string[];
  /** Bytes read this time, and whether on from a --state. */
  readonly readBytes: number;
  readonly resumed: boolean;
  readonly malformed: number;
  readonly incompleteWrappers: number;
}

/** The tables and the details, as lines. */
export function renderReport(input: ReportInput): string {
  const { runs, foreign, files, malformed } = input;
  const end = (r: RunReport) =>
    r.unverifiable !== null
      ? 'UNVERIFIABLE'
      : r.stopped
        ? 'stopped'
        : isSilent(r, input.asOfMs)
          ? 'SILENT'
          : 'running';
  const rows = runs.map((r) => [
    printable(r.device),
    r.nodeDisagrees > 0 && r.disagreeingNode === r.node ? `${printable(r.node)} (!)` : printable(r.node),
    r.run,
    String(r.records),
    `${r.firstSeq}-${r.lastSeq}`,
    String(r.missingCount),
    String(r.resent),
    String(r.duplicates),
    String(r.heartbeatGaps.length),
    when(r.firstAt),
    when(r.lastAt),
    end(r),
  ]);
  const details = runs.flatMap((r) => [
    ...(r.nodeDisagrees > 0
      ? [
          `${printable(r.device)} run ${r.run}: ${r.nodeDisagrees} record(s) name a node= that is not this principal's host (the first: ${printable(r.disagreeingNode ?? '')})`,
        ]
      : []),
    ...(r.unverifiable !== null
      ? [`${printable(r.device)} run ${r.run}: unverifiable: ${r.unverifiable}`]
      : []),
    ...(r.missingCount > 0 ? [`${printable(r.device)} run ${r.run}: missing ${ranges(r.missing)}`] : []),
    ...(r.unmarkedDuplicates > 0
      ? [`${printable(r.device)} run ${r.run}: ${r.unmarkedDuplicates} duplicate(s) without the re-send mark`]
      : []),
    ...(r.heartbeatGaps.length > 0
      ? [`${printable(r.device)} run ${r.run}: heartbeat gaps ${ranges(r.heartbeatGaps)}`]
      : []),
    ...(r.beforeLogs > 0
      ? [`${printable(r.device)} run ${r.run}: began before these logs (seq 1-${r.beforeLogs} not read)`]
      : []),
  ]);
  const missing = runs.reduce((n, r) => n + r.missingCount, 0);
  const others = foreign.reduce((n, f) => n + f.missingKernel + f.missingUser, 0);
  const overruns = foreign.reduce((n, f) => n + f.overruns, 0);
  return [
    input.resumed
      ? `read ${input.readBytes} new byte(s) of ${files.length} file(s), on from the state: ${files.map(printable).join(', ')}`
      : `read ${files.length} file(s): ${files.map(printable).join(', ')}`,
    ...(runs.length > 0 && runs.every((r) => r.principal === null)
      ? [
          "no record carries the collector's krb5=: devices are known only by the node= they write (a TCP collector authenticates nobody)",
        ]
      : []),
    ...(runs.length === 0 ? ['no auditrelay records found'] : table(COLUMNS, rows)),
    ...details,
    ...renderForeign(foreign),
    ...foreign.flatMap((f) =>
      f.missingKernel + f.missingUser > 0
        ? [
            `${printable(f.device)} run ${f.run}: missing ${f.missingKernel} kernel and ${f.missingUser} user-space record(s)`,
          ]
        : [],
    ),
    ...(malformed > 0
      ? [
          `${malformed} record(s) with ar_seq whose numbering (or tally, or wrapper) is not auditrelay's (ignored)`,
        ]
      : []),
    ...(input.incompleteWrappers > 0
      ? [`${input.incompleteWrappers} wrapped record(s) with parts missing`]
      : []),
    ...(overruns > 0 ? [`UNACCOUNTABLE: the taps missed records ${overruns} time(s)`] : []),
    missing + others === 0
      ? 'nothing missing'
      : `MISSING: ${missing} record(s) of ours, ${others} of other programs and the kernel`,
    ...input.problems.map((p) => `${p.message} [${p.code}]`),
    input.problems.length === 0
      ? 'all accounted for'
      : `NOT ALL ACCOUNTED FOR (${input.problems.length} problem(s))`,
  ].join('\n');
}
