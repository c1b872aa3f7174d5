/** Small statistics for benchmarks: medians over rounds, percentiles over samples. */
export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** A row of the printed table: a label, the measured figure and its ratio to the baseline. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: number;
  readonly note?: string;
}

export function printRows(title: string, rows: readonly BenchRow[]): void {
  process.stdout.write(`\n${title}\n`);
  for (const row of rows) {
    const ratio = row.baseline === undefined ? '' : `  ${(row.value / row.baseline).toFixed(2)}× C`;
    const note = row.note === undefined ? '' : `  (${row.note})`;
    const shown = Math.abs(row.value) < 100 ? row.value.toFixed(1) : row.value.toFixed(0);
    process.stdout.write(`  ${row.name.padEnd(52)} ${shown.padStart(9)} ${row.unit}${ratio}${note}\n`);
  }
}
