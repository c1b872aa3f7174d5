/** `auditrelay verify`'s human output: one table row per device and run, then what is missing in each. */
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

/** The table and the details, as lines. */
export function renderReport(
  runs: readonly RunReport[],
  files: readonly string[],
  malformed: number,
): string {
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
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
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
  return [
    `read ${files.length} file(s): ${files.join(', ')}`,
    ...(runs.length === 0 ? ['no auditrelay records found'] : [line(COLUMNS), ...rows.map(line)]),
    ...details,
    ...(malformed > 0
      ? [`${malformed} record(s) with ar_seq whose numbering is not auditrelay's (ignored)`]
      : []),
    missing === 0 ? 'nothing missing' : `MISSING: ${missing} record(s)`,
  ].join('\n');
}
