/**
 * `auditrelay verify`'s human output: one table row per device and run for our records, one for the
 * records of other programs and the kernel, then what is missing in each.
 */
import type { ForeignReport } from './foreign-ledger.js';
import type { RunReport, SeqRange } from './ledger.js';

function ranges(list: readonly SeqRange[], most = 10): string {
  const text = list.slice(0, most).map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`));
  return list.length > most ? `${text.join(', ')}, … (${list.length - most} more)` : text.join(', ');
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

const COLUMNS = [
  'DEVICE',
  'RUN',
  'RECORDS',
  'SEQ',
  'MISSING',
  'RESENT',
  'DUPLICATES',
  'HB GAPS',
  'FROM',
  'TO',
];

/** Left-aligned columns. */
function table(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((row) => (row[i] ?? '').length)));
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
    f.node,
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
  readonly runs: readonly RunReport[];
  readonly foreign: readonly ForeignReport[];
  readonly files: readonly string[];
  readonly malformed: number;
  readonly incompleteWrappers: number;
}

/** The tables and the details, as lines. */
export function renderReport(input: ReportInput): string {
  const { runs, foreign, files, malformed } = input;
  const rows = runs.map((r) => [
    r.node,
    r.run,
    String(r.records),
    `${r.firstSeq}-${r.lastSeq}`,
    String(r.missingCount),
    String(r.resent),
    String(r.duplicates),
    String(r.heartbeatGaps.length),
    when(r.firstAt),
    when(r.lastAt),
  ]);
  const details = runs.flatMap((r) => [
    ...(r.missingCount > 0 ? [`${r.node} run ${r.run}: missing ${ranges(r.missing)}`] : []),
    ...(r.unmarkedDuplicates > 0
      ? [`${r.node} run ${r.run}: ${r.unmarkedDuplicates} duplicate(s) without the re-send mark`]
      : []),
    ...(r.heartbeatGaps.length > 0
      ? [`${r.node} run ${r.run}: heartbeat gaps ${ranges(r.heartbeatGaps)}`]
      : []),
    ...(r.beforeLogs > 0
      ? [`${r.node} run ${r.run}: began before these logs (seq 1-${r.beforeLogs} not read)`]
      : []),
  ]);
  const missing = runs.reduce((n, r) => n + r.missingCount, 0);
  const others = foreign.reduce((n, f) => n + f.missingKernel + f.missingUser, 0);
  const overruns = foreign.reduce((n, f) => n + f.overruns, 0);
  return [
    `read ${files.length} file(s): ${files.join(', ')}`,
    ...(runs.length === 0 ? ['no auditrelay records found'] : table(COLUMNS, rows)),
    ...details,
    ...renderForeign(foreign),
    ...foreign.flatMap((f) =>
      f.missingKernel + f.missingUser > 0
        ? [
            `${f.node} run ${f.run}: missing ${f.missingKernel} kernel and ${f.missingUser} user-space record(s)`,
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
  ].join('\n');
}
