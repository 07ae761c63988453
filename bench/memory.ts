/**
 * The memory benchmark (issue #10): the rebuild job's peak RSS (VmHWM of the child process, read
 * from /proc) at 100,000 and 1,000,000 items, per source, with the same 4 scan segments. A job
 * whose memory is bounded by its pages and blocks peaks at about the same RSS for both sizes;
 * the goal is 1M ≤ 1.2 × 100k for every source.
 *
 * Sources: `jsonl` (a generated file), `http` (the generated CMS of bench/rebuild.ts), `dynamodb`
 * (a table in the same dynalite, filled before the job starts; the fill is not measured).
 * Settings (environment): BENCH_MEMORY_SIZES (default 100000,1000000), BENCH_MEMORY_SOURCES
 * (default jsonl,http,dynamodb), BENCH_MEMORY_ROUNDS (default 1: each round runs every size once).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables } from '../test/support/tables.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators } from '../lambdas/local/emulators.ts';
import { CONFIG_MODULE, jobChildEnv, runJobChild, startGeneratedCms, writeJsonl } from './rebuild.ts';
import { fillSourceTable } from './support/source-table.ts';
import { formatTable, median, positiveFromEnv } from './support/table.ts';

/** A source of `size` items of kind `kind`, and how to stop it. */
async function sourceOf(
  kind: string,
  size: number,
  dir: string,
  dynamodb: DynamoDBClient,
  print: (line: string) => void,
): Promise<{ source: Record<string, unknown>; stop: () => Promise<void> | void }> {
  if (kind === 'http') {
    const cms = await startGeneratedCms(size);
    return { source: cms.source, stop: () => void cms.server.close() };
  }
  if (kind === 'jsonl') {
    const path = join(dir, `items-${size}.jsonl`);
    await writeJsonl(path, size);
    return { source: { type: 'jsonl', path }, stop: () => rmSync(path, { force: true }) };
  }
  if (kind === 'dynamodb') {
    print(`filling source table with ${size.toLocaleString('en-US')} items (BatchWriteItem, not measured)...`);
    const table = await fillSourceTable(dynamodb, `source-${size}`, size);
    print(`  filled in ${table.fillSeconds.toFixed(0)} s (${Math.round(size / table.fillSeconds).toLocaleString('en-US')} items/s)`);
    return { source: { type: 'dynamodb', tableName: table.tableName, keyAttribute: 'id' }, stop: () => table.drop() };
  }
  throw new Error(`unknown source ${kind}: use jsonl, http or dynamodb`);
}

/** Drops a run's index and control tables, so the next run's emulator does not hold them. */
async function dropTables(dynamodb: DynamoDBClient, tables: { indexTable: string; controlTable: string }): Promise<void> {
  for (const TableName of [tables.indexTable, tables.controlTable]) await dynamodb.send(new DeleteTableCommand({ TableName }));
}

/** `median (min–max)` of `values`, with `prefix` and `unit` around the median. */
function spread(values: readonly number[], digits: number, prefix = '', unit = ''): string {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = `${prefix}${median(sorted).toFixed(digits)}${unit}`;
  if (sorted.length < 2) return middle;
  return `${middle} (${(sorted[0] as number).toFixed(digits)}–${(sorted.at(-1) as number).toFixed(digits)})`;
}

/** The 1-minute load average, for the line of each run. */
const load = () => loadavg()[0]?.toFixed(1) ?? '?';

/**
 * One source kind at every size: the sources are made once (a DynamoDB table is filled once per
 * size), then the runs go size by size in every round (100k, 1M, 100k, 1M …), so the two sizes
 * share the machine's load. Returns the peaks (MB) by round and size.
 */
async function measureKind(kind: string, sizes: readonly number[], rounds: number, context: BenchContext): Promise<number[][]> {
  const { dir, dynamodb, configPath, endpoint, print } = context;
  const sources = [];
  for (const size of sizes) sources.push(await sourceOf(kind, size, dir, dynamodb, print));
  const peaks: number[][] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const mine: number[] = [];
      for (const [i, size] of sizes.entries()) {
        const tables = { indexTable: `index-${kind}-${size}-${round}`, controlTable: `control-${kind}-${size}-${round}` };
        await createTables(dynamodb, tables);
        print(`rebuild job (child process), ${kind} source, ${size.toLocaleString('en-US')} items, round ${round + 1}, load ${load()}...`);
        const run = await runJobChild(jobChildEnv(configPath, sources[i]?.source, tables, endpoint));
        await dropTables(dynamodb, tables);
        print(`  exit ${run.exitCode}, ${run.report?.outcome ?? 'no report'}, loaded ${run.report?.counts.loaded.toLocaleString('en-US') ?? '?'}, peak RSS ${run.peakRssMb} MB, ${run.seconds.toFixed(0)} s, load ${load()}`);
        if (run.exitCode !== 0 || run.report?.counts.loaded !== size) throw new Error(`the ${kind} job at ${size} items did not load every item (exit ${run.exitCode})`);
        mine.push(run.peakRssMb);
      }
      peaks.push(mine);
    }
  } finally {
    for (const source of sources) await source.stop();
  }
  return peaks;
}

interface BenchContext {
  dir: string;
  dynamodb: DynamoDBClient;
  configPath: string;
  endpoint: string;
  print: (line: string) => void;
}

/** Runs the memory benchmark and prints its table. */
export async function benchMemory(print: (line: string) => void = console.log): Promise<void> {
  const sizes = (process.env['BENCH_MEMORY_SIZES'] ?? '100000,1000000').split(',').map(Number);
  const kinds = (process.env['BENCH_MEMORY_SOURCES'] ?? 'jsonl,http,dynamodb').split(',');
  const rounds = positiveFromEnv('BENCH_MEMORY_ROUNDS', 1, { integer: true });
  const dir = mkdtempSync(join(tmpdir(), 'freshindex-bench-memory-'));
  const configPath = join(dir, 'bench.config.mjs');
  writeFileSync(configPath, CONFIG_MODULE);
  const emulators = await startEmbeddedEmulators();
  const dynamodb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
  const context = { dir, dynamodb, configPath, endpoint: emulators.endpoints.dynamodb, print };
  const rows: string[][] = [];
  try {
    for (const kind of kinds) {
      const peaks = await measureKind(kind, sizes, rounds, context);
      const bySize = sizes.map((_, i) => peaks.map((round) => round[i] ?? 0));
      // Each round's growth compares its own two runs, made back to back under the same load.
      const growth = peaks.map((round) => (round.at(-1) ?? 0) / Math.max(1, round[0] ?? 1));
      rows.push([kind, ...bySize.map((values) => spread(values, 0, '', ' MB')), spread(growth, 2, '×')]);
    }
    print('');
    const last = sizes.at(-1)?.toLocaleString('en-US');
    const first = sizes[0]?.toLocaleString('en-US');
    print(`peak RSS of the job, median (min–max) of ${rounds} round(s), the lower middle one of an even count; growth: ${last} ÷ ${first} items, per round (goal ≤ 1.2)`);
    print(formatTable(['source', ...sizes.map((size) => `${size.toLocaleString('en-US')} items`), `growth`], rows));
  } finally {
    dynamodb.destroy();
    await emulators.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
