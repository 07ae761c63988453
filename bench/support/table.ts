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
