/**
 * Writes test/support/durations.txt (the order test/support/sequencer.ts starts the files in on a
 * fresh clone) from vitest's results cache of this checkout: run the whole `npx vitest run` first.
 * Usage: tsx scripts/test-durations.ts [results.json]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CACHE = 'node_modules/.vite/vitest';
const OUT = 'test/support/durations.txt';

function resultsFile(): string {
  const given = process.argv[2];
  if (given) return given;
  const [hash] = readdirSync(CACHE);
  if (!hash) throw new Error(`no vitest results in ${CACHE}: run npx vitest run first`);
  return join(CACHE, hash, 'results.json');
}

const { results } = JSON.parse(readFileSync(resultsFile(), 'utf8')) as { results: Array<[string, { duration: number }]> };
const lines = results
  .map(([key, { duration }]) => ({ seconds: duration / 1000, project: key.slice(0, key.indexOf(':')), file: key.slice(key.indexOf(':') + 1) }))
  .sort((a, b) => b.seconds - a.seconds)
  .map(({ seconds, project, file }) => `${seconds.toFixed(3)} ${project} ${file}`);
const header = readFileSync(OUT, 'utf8').split('\n').filter((line) => line.startsWith('#'));
writeFileSync(OUT, [...header, ...lines, ''].join('\n'));
console.log(`${OUT}: ${lines.length} files`);
