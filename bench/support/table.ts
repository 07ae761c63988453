/** Plain-text tables and number formats for the benchmark's output. */

/** Formats rows under headers: the first column left-aligned, the others right-aligned. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = '  '): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** A count, with one decimal when it has a fraction. */
export function count(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** Dollars with three decimals (cents would hide the small lines). */
export function dollars(value: number): string {
  return `$${value.toFixed(3)}`;
}

/** A ratio to the baseline: `2.35x`. */
export function ratio(value: number, baseline: number): string {
  if (baseline === 0) return value === 0 ? '1.00x' : 'n/a';
  const r = value / baseline;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/** The median of `values` (the lower middle one of an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;
}

/** The `q` quantile (0..1) of values already sorted ascending; undefined when there are none. */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A positive number (an integer when `integer`) from the environment variable `name`, else `fallback`. */
export function positiveFromEnv(name: string, fallback: number, options: { integer?: boolean } = {}): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (options.integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${options.integer ? 'integer' : 'number'}, got ${raw}`);
  }
  return value;
}
