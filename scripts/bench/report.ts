// Numbers into words: percentiles and the table the benchmark prints.

/** Nearest-rank percentile (p in 0..100) of the values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(rank, 1)) - 1];
}

export function latencySummary(valuesMs: readonly number[]): string {
  const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(valuesMs, p));
  return `p50 ${ms(p50)}   p95 ${ms(p95)}   p99 ${ms(p99)}   max ${ms(Math.max(...valuesMs))}`;
}

export const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');
export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export type Row = [label: string, value: string] | [section: string];

/** Sections and label/value rows, labels padded to one column. */
export function table(rows: readonly Row[]): string {
  const width = Math.max(...rows.filter((r) => r.length === 2).map((r) => r[0].length));
  return rows.map((row) => (row.length === 1 ? `\n${row[0]}` : `  ${row[0].padEnd(width)}  ${row[1]}`)).join('\n');
}

export interface Target {
  what: string;
  met: boolean;
  detail: string;
}

export function targetRows(targets: readonly Target[]): Row[] {
  return targets.map((t) => [t.what, `${t.met ? 'met' : 'NOT MET'}   (${t.detail})`]);
}
