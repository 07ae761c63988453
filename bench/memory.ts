/**
 * The memory benchmark (issue #10): the rebuild job's peak RSS (VmHWM of the child process, read
 * from /proc) at 100,000 and 1,000,000 items, per source, with the same 4 scan segments. A job
 * whose memory is bounded by its pages and blocks peaks at about the same RSS for both sizes;
 * the goal is 1M ≤ 1.2 × 100k for every source.
 *
 * Sources: `jsonl` (a generated file), `http` (the generated CMS of bench/rebuild.ts), `dynamodb`
 * (a table in the same dynalite, filled before the job starts; the fill is not measured).
 * Settings (environment): BENCH_MEMORY_SIZES (default 100000,1000000), BENCH_MEMORY_SOURCES
 * (default jsonl,http,dynamodb).
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables } from '../test/support/tables.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators } from '../lambdas/local/emulators.ts';
import { CONFIG_MODULE, generated, jobChildEnv, runJobChild, startGeneratedCms, type JobRun } from './rebuild.ts';
import { fillSourceTable } from './support/source-table.ts';
import { formatTable } from './support/table.ts';

/** Writes `size` generated documents, one per line, to `path`. */
async function writeJsonl(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  for (let n = 0; n < size; n++) {
    if (!out.write(`${JSON.stringify(generated(n))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

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

/** Runs the memory benchmark and prints its table. */
export async function benchMemory(print: (line: string) => void = console.log): Promise<void> {
  const sizes = (process.env['BENCH_MEMORY_SIZES'] ?? '100000,1000000').split(',').map(Number);
  const kinds = (process.env['BENCH_MEMORY_SOURCES'] ?? 'jsonl,http,dynamodb').split(',');
  const dir = mkdtempSync(join(tmpdir(), 'freshindex-bench-memory-'));
  const configPath = join(dir, 'bench.config.mjs');
  writeFileSync(configPath, CONFIG_MODULE);
  const emulators = await startEmbeddedEmulators();
  const dynamodb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
  const rows: string[][] = [];
  try {
    for (const kind of kinds) {
      const runs: JobRun[] = [];
      for (const size of sizes) {
        const tables = { indexTable: `index-${kind}-${size}`, controlTable: `control-${kind}-${size}` };
        await createTables(dynamodb, tables);
        const { source, stop } = await sourceOf(kind, size, dir, dynamodb, print);
        print(`rebuild job (child process), ${kind} source, ${size.toLocaleString('en-US')} items...`);
        const run = await runJobChild(jobChildEnv(configPath, source, tables, emulators.endpoints.dynamodb));
        await stop();
        await dropTables(dynamodb, tables);
        print(`  exit ${run.exitCode}, ${run.report?.outcome ?? 'no report'}, loaded ${run.report?.counts.loaded.toLocaleString('en-US') ?? '?'}, peak RSS ${run.peakRssMb} MB, ${run.seconds.toFixed(0)} s`);
        runs.push(run);
      }
      const growth = (runs.at(-1)?.peakRssMb ?? 0) / Math.max(1, runs[0]?.peakRssMb ?? 1);
      rows.push([kind, ...runs.map((run) => `${run.peakRssMb} MB`), `×${growth.toFixed(2)}`]);
    }
    print('');
    print(formatTable(['source', ...sizes.map((size) => `peak RSS, ${size.toLocaleString('en-US')} items`), `growth ${sizes.at(-1)?.toLocaleString('en-US')} vs ${sizes[0]?.toLocaleString('en-US')}`], rows));
  } finally {
    dynamodb.destroy();
    await emulators.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
