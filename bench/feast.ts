/**
 * The Feast row of issue #10, printed by `npm run bench -- feast`: the rebuild's load into Redis
 * against Feast's `materialize` of the same rows into the same redis-server.
 *
 * - freshindex: `loadGeneration` into the Redis index store, in this process, from the
 *   pre-built documents, timed as the rebuild bench's Redis row times it (bench/rebuild-scaling.ts
 *   `freshindexRedisLoad`: 8 writes in flight, the store's chunk).
 * - Feast: the same documents (same ids, title, tags and score as features), written once as a
 *   Parquet file from Python, a feature repository (a FileSource, an `item` entity keyed by id, one
 *   FeatureView, Feast's Redis online store with its defaults), `feast apply` once; then
 *   `store.materialize()` of the whole window, timed inside Python around that call alone.
 *
 * The two alternate A B A B, BENCH_FEAST_RUNS runs (default 3) of BENCH_FEAST_ITEMS items
 * (default 20,000), the server flushed before each. BENCH_FEAST_WRITE_BATCH sets Feast's
 * `online_write_batch_size` (default: unset, Feast's default, one batch). Feast runs from a virtual environment
 * (bench/support/feast/venv.ts); without python3, venv or pip the row is skipped with the reason.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { createRedisStores } from '../lambdas/adapters/redis/index.ts';
import { startRedis } from '../test/support/redis.ts';
import { generated } from './rebuild.ts';
import { freshindexRedisLoad, ReadySource, TUNING } from './rebuild-scaling.ts';
import { definitionsPy, FEAST_VERSION, feastRows, featureStoreYaml, MATERIALIZE_WINDOW, REPO_FILES } from './support/feast/plan.ts';
import { feastEnv, run } from './support/feast/venv.ts';
import { formatTable, median, positiveFromEnv } from './support/table.ts';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'support', 'feast', 'feast_bench.py');

type Env = { python: string; feast: string };

/** Writes the feature repository of `docs` into a new folder and runs `feast apply` there. */
function prepareRepo(env: Env, docs: ReadonlyArray<Record<string, unknown>>, redisPort: number, writeBatch: number | undefined): string {
  const repo = mkdtempSync(join(tmpdir(), 'freshindex-bench-feast-'));
  mkdirSync(join(repo, 'data'));
  const rows = join(repo, 'rows.jsonl');
  writeFileSync(rows, feastRows(docs).map((row) => JSON.stringify(row)).join('\n') + '\n');
  const parquet = run(env.python, [SCRIPT, 'parquet', rows, join(repo, REPO_FILES.parquet)]);
  if (!parquet.ok) throw new Error(`writing the Parquet file failed (${parquet.why})`);
  writeFileSync(join(repo, REPO_FILES.config), featureStoreYaml('freshindex_bench', { host: '127.0.0.1', port: redisPort }, writeBatch));
  writeFileSync(join(repo, REPO_FILES.definitions), definitionsPy());
  const apply = run(env.feast, ['apply'], repo);
  if (!apply.ok) throw new Error(`feast apply failed in ${repo} (${apply.why})`);
  return repo;
}

/** Feast's materialize of the repository's rows, items per second, whole and its Redis write alone; checks that every row landed. */
async function feastMaterialize(env: Env, repo: string, client: Redis, size: number): Promise<{ whole: number; write: number }> {
  const result = run(env.python, [SCRIPT, 'materialize', repo, MATERIALIZE_WINDOW.start, MATERIALIZE_WINDOW.end]);
  if (!result.ok) throw new Error(`feast materialize failed (${result.why})`);
  const line = result.stdout.trim().split('\n').findLast((text) => text.startsWith('{'));
  const { seconds, write_seconds: writeSeconds } = JSON.parse(line ?? '{}') as { seconds?: number; write_seconds?: number };
  if (seconds === undefined || writeSeconds === undefined) throw new Error(`feast materialize printed no timing: ${result.stdout.slice(-300)}`);
  // One hash per entity key, nothing else: Feast's registry is a file.
  const keys = await client.dbsize();
  if (keys !== size) throw new Error(`feast materialize left ${keys} keys in Redis for ${size} rows`);
  return { whole: size / seconds, write: size / writeSeconds };
}

const format = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const spread = (values: readonly number[], digits = 0) =>
  `${format(median(values), digits)} (${format(Math.min(...values), digits)}–${format(Math.max(...values), digits)})`;

/** Prints the Feast row, or why it is skipped. */
export async function benchFeast(print: (line: string) => void = console.log): Promise<void> {
  const env = feastEnv(print);
  if ('missing' in env) {
    print(`Feast row skipped: ${env.missing}`);
    return;
  }
  const size = positiveFromEnv('BENCH_FEAST_ITEMS', 20_000, { integer: true });
  const runs = positiveFromEnv('BENCH_FEAST_RUNS', 3, { integer: true });
  const writeBatch = process.env['BENCH_FEAST_WRITE_BATCH'] ? positiveFromEnv('BENCH_FEAST_WRITE_BATCH', 1, { integer: true }) : undefined;
  const server = await startRedis();
  const client = server.client();
  try {
    const source = new ReadySource(Array.from({ length: size }, (_, n) => generated(n)), TUNING.segments);
    const tuning = { ...TUNING, chunkSize: createRedisStores({ client, tombstoneTtlSeconds: 3600 }).store.bulkChunkSize };
    print(`Feast ${FEAST_VERSION}: writing ${size.toLocaleString('en-US')} rows as Parquet, feast apply...`);
    const repo = prepareRepo(env, source.docs, server.port, writeBatch);
    print(`rebuild load into Redis vs feast materialize: ${size.toLocaleString('en-US')} items, ${runs} runs, A B A B, Redis flushed before each...`);
    const ours: number[] = [];
    const feast: number[] = [];
    const feastWrite: number[] = [];
    for (let round = 1; round <= runs; round++) {
      await server.flush();
      ours.push(await freshindexRedisLoad(server.url, source, round + 1, tuning));
      await server.flush();
      const materialized = await feastMaterialize(env, repo, client, size);
      feast.push(materialized.whole);
      feastWrite.push(materialized.write);
      print(`  run ${round}: freshindex ${Math.round(ours.at(-1) ?? 0).toLocaleString('en-US')} items/s, Feast ${Math.round(feast.at(-1) ?? 0).toLocaleString('en-US')} items/s`);
    }
    print(formatTable(['measure', 'items/s, median (min–max)'], [
      [`rebuild load into Redis, chunks of ${tuning.chunkSize}, ${tuning.writesInFlight} in flight`, spread(ours)],
      [`feast ${FEAST_VERSION} materialize, Redis online store defaults, ${writeBatch === undefined ? 'one write batch' : `write batches of ${writeBatch}`}`, spread(feast)],
      ['feast Redis write alone (its online_write_batch calls)', spread(feastWrite)],
      ['ratio of each run, freshindex / Feast materialize (goal ≥ 10)', spread(ours.map((value, i) => value / (feast[i] as number)), 2)],
      ['ratio of each run, freshindex / Feast Redis write alone', spread(ours.map((value, i) => value / (feastWrite[i] as number)), 2)],
    ]));
    print("Feast's time is store.materialize() alone: read the Parquet file (its file offline store), convert to protobuf, write to Redis.");
    rmSync(repo, { recursive: true, force: true });
  } finally {
    client.disconnect();
    await server.stop();
  }
}
