// How the benchmark and the chaos run print: a table for people, numbers for machines.

export type Row = [label: string, value: string] | [section: string];

/** Sections and label/value rows, labels padded to one column. */
export function table(rows: readonly Row[]): string {
  const width = Math.max(...rows.filter((r) => r.length === 2).map((r) => r[0].length));
  return rows.map((row) => (row.length === 1 ? `\n${row[0]}` : `  ${row[0].padEnd(width)}  ${row[1]}`)).join('\n');
}

/** Nearest-rank percentile (p in 0..100) of the values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(rank, 1)) - 1];
}

export function countBy<T extends string>(items: readonly T[]): Partial<Record<T, number>> {
  const counts: Partial<Record<T, number>> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
