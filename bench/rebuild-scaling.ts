/**
 * Rows of the rebuild benchmark (issue #10), printed by `npm run bench -- rebuild`:
 *
 * 1. The rebuild's load into Redis (`loadGeneration` into the Redis index store, in this process,
 *    from an in-memory source) against a raw ioredis pipeline writing the same records (transform,
 *    hash, stored record, one SET each) at the same concurrency: pipelines of `chunkSize`,
 *    `writesInFlight` of them in flight. Both take the same documents, built before the clock
 *    starts. Interleaved A B, B A, BENCH_REBUILD_REDIS_RUNS runs (default 5) of
 *    BENCH_REBUILD_REDIS_ITEMS items (default 20,000); medians and min–max.
 * 2. The real job (lambdas/jobs/cli.ts in a child process, its load split over 1, 2 and 4 local
 *    child processes: FRESHINDEX_REBUILD_CHILDREN) into dynalite and into Redis, from the
 *    generated HTTP CMS: BENCH_REBUILD_SPLIT_ITEMS items (default 20,000), the children counts
 *    interleaved, BENCH_REBUILD_SPLIT_RUNS rounds (default 1); the load phase's items/s from the
 *    build report.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import pLimit from 'p-limit';
import { createRedisStores } from '../lambdas/adapters/redis/index.ts';
import { validateConfig } from '../lambdas/core/config/index.ts';
import { contentHash } from '../lambdas/core/hash.ts';
import { toStoredRecord } from '../lambdas/core/records.ts';
import { loadGeneration, ProgressTracker } from '../lambdas/core/rebuild/index.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../lambdas/local/emulators.ts';
import { startRedis } from '../test/support/redis.ts';
import { createTables } from '../test/support/tables.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ScanOptions, Source, SourceDoc } from '../lambdas/core/ports.ts';
import { CONFIG_MODULE, generated, runJobChild, startGeneratedCms } from './rebuild.ts';
import { formatTable, median, positiveFromEnv, ratio } from './support/table.ts';

/** The job's defaults for 4 segments: two writes in flight per segment, pages of 500. The chunk is set per row. */
export const TUNING = { segments: 4, pageSize: 500, writesInFlight: 8 };
type Tuning = typeof TUNING & { chunkSize: number };
const transform = (doc: Record<string, unknown>) => ({ title: doc['title'], tags: doc['tags'], score: doc['score'] });
const spread = (values: readonly number[]) => `${Math.round(median(values)).toLocaleString('en-US')} (${Math.round(Math.min(...values)).toLocaleString('en-US')}–${Math.round(Math.max(...values)).toLocaleString('en-US')})`;

/**
 * The documents of the bench, split into scan segments once, before anything is timed: a scan
 * hands out ready pages, as a source that answers at once would, so the Redis row measures the
 * load (transform, hash, stored record, writes) and not a test fake's partitioning.
 */
export class ReadySource implements Source {
  readonly stableScan = true;
  readonly #segments: SourceDoc[][];

  constructor(readonly docs: readonly SourceDoc[], segments: number) {
    this.#segments = Array.from({ length: segments }, () => []);
    docs.forEach((doc, n) => this.#segments[n % segments]?.push(doc));
  }

  async get(): Promise<undefined> {
    return undefined;
  }

  async getMany(): Promise<Map<string, SourceDoc>> {
    return new Map();
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    const docs = this.#segments[options.segment] ?? [];
    const size = options.pageSize ?? 500;
    for (let start = 0; start < docs.length; start += size) yield docs.slice(start, start + size);
  }
}

/** The rebuild's load into Redis, items per second. */
export async function freshindexRedisLoad(url: string, source: ReadySource, generation: number, tuning: Tuning): Promise<number> {
  const stores = createRedisStores({ url, keyPrefix: 'bench:', tombstoneTtlSeconds: 3600 });
  const type = validateConfig({ types: [{ name: 'item', source: { type: 'http', itemUrl: 'http://unused/{id}', pageUrl: 'http://unused/?cursor={cursor}' }, transform, version: (doc: Record<string, unknown>) => doc['v'] as number }] }).types[0];
  try {
    // Connected (and the scripts' first EVALSHA answered) before the clock starts, as the raw client is.
    await stores.store.countLive('item', generation);
    const started = performance.now();
    const progress = new ProgressTracker(Date.now, 60_000, () => undefined);
    const result = await loadGeneration({ type: type as never, source, records: stores.store, generation, tuning, tombstoneTtlSeconds: 3600, sampleSize: 100, clock: Date.now, random: Math.random, progress });
    if (result.loaded !== source.docs.length) throw new Error(`the load wrote ${result.loaded} of ${source.docs.length} items`);
    return source.docs.length / ((performance.now() - started) / 1000);
  } finally {
    await stores.close();
  }
}

/**
 * The same records with a raw ioredis pipeline, what an engineer would write without freshindex:
 * the same documents, transformed and hashed the same way, one SET of the stored record's JSON
 * each; `chunkSize` SETs per pipeline, `writesInFlight` pipelines in flight.
 */
async function rawRedisPipeline(client: Redis, docs: readonly SourceDoc[], round: number, tuning: Tuning): Promise<number> {
  const limit = pLimit(tuning.writesInFlight);
  const started = performance.now();
  const calls: Array<Promise<unknown>> = [];
  for (let start = 0; start < docs.length; start += tuning.chunkSize) {
    calls.push(
      limit(() => {
        const pipeline = client.pipeline();
        for (const doc of docs.slice(start, start + tuning.chunkSize)) {
          const record = transform(doc);
          const stored = toStoredRecord('item', round, { kind: 'upsert', id: String(doc['id']), version: doc['v'] as number, hash: contentHash(record), record }, Date.now(), 3600);
          pipeline.set(`raw:{item}:${round}:${stored.id}`, JSON.stringify(stored));
        }
        return pipeline.exec();
      }),
    );
  }
  await Promise.all(calls);
  return docs.length / ((performance.now() - started) / 1000);
}

/**
 * Row 1: the rebuild's Redis load against the raw pipeline, interleaved, who goes first
 * alternating; at the chunk the job takes on Redis (the store's `bulkChunkSize`) and at 100 (the
 * DynamoDB default), the raw pipeline always at the same chunk and writes in flight.
 */
export async function benchRedisLoad(print: (line: string) => void): Promise<void> {
  const size = positiveFromEnv('BENCH_REBUILD_REDIS_ITEMS', 20_000, { integer: true });
  const runs = positiveFromEnv('BENCH_REBUILD_REDIS_RUNS', 5, { integer: true });
  const server = await startRedis();
  const client = server.client();
  const source = new ReadySource(Array.from({ length: size }, (_, n) => generated(n)), TUNING.segments);
  const jobChunk = createRedisStores({ client, tombstoneTtlSeconds: 3600 }).store.bulkChunkSize;
  const rows: string[][] = [];
  try {
    for (const chunkSize of [jobChunk, 100]) {
      const tuning = { ...TUNING, chunkSize };
      print(`rebuild load into Redis vs a raw ioredis pipeline: ${size.toLocaleString('en-US')} items, ${runs} runs interleaved, ${tuning.writesInFlight} writes of ${chunkSize} in flight...`);
      const ours = { perSecond: [] as number[], cpuMs: [] as number[] };
      const raw = { perSecond: [] as number[], cpuMs: [] as number[] };
      const measure = async (into: typeof ours, load: () => Promise<number>) => {
        await server.flush();
        const before = await cpuMs(client);
        into.perSecond.push(await load());
        into.cpuMs.push(((await cpuMs(client)) - before) / (size / 1000));
      };
      for (let run = 1; run <= runs; run++) {
        const steps = [
          () => measure(ours, () => freshindexRedisLoad(server.url, source, run + 1, tuning)),
          () => measure(raw, () => rawRedisPipeline(client, source.docs, run + 1, tuning)),
        ];
        for (const step of run % 2 === 1 ? steps : steps.reverse()) await step();
      }
      const range = (values: number[]) => `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
      const label = chunkSize === jobChunk ? `chunks of ${chunkSize} (the job's on Redis)` : `chunks of ${chunkSize}`;
      rows.push(
        [`rebuild load into Redis, ${label}`, spread(ours.perSecond), `${median(ours.cpuMs).toFixed(1)} ms`],
        [`raw ioredis SET pipeline, same records, chunks of ${chunkSize}`, spread(raw.perSecond), `${median(raw.cpuMs).toFixed(1)} ms`],
        [`ratio of each run, chunks of ${chunkSize} (goal ≥ 0.7)`, range(ours.perSecond.map((value, i) => value / (raw.perSecond[i] as number))), range(raw.cpuMs.map((value, i) => value / (ours.cpuMs[i] as number)))],
      );
    }
    print(formatTable(['measure', 'items/s, median (min–max)', 'CPU per 1,000 items (this process + redis-server)'], rows));
    print('CPU ratio: raw / freshindex, so above 1 means freshindex spent less. On a shared machine the CPU is the steadier figure.');
  } finally {
    client.disconnect();
    await server.stop();
  }
}

/** CPU milliseconds so far of this process and of the Redis server (`INFO cpu`). */
async function cpuMs(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000 + (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}

// A function: rebuild.ts imports this module, so its constants are read at run time, not at import.
const redisConfigModule = () => CONFIG_MODULE.replace('pointerCacheSeconds: 1,', "pointerCacheSeconds: 1,\n  store: { type: 'redis', keyPrefix: 'bench:' },");

/** Row 2: the job's load split over 1, 2 and 4 child processes, into dynalite and Redis. */
async function benchChildren(print: (line: string) => void, dynamodb: DynamoDBClient, dynamodbEndpoint: string): Promise<void> {
  const size = positiveFromEnv('BENCH_REBUILD_SPLIT_ITEMS', 20_000, { integer: true });
  const rounds = positiveFromEnv('BENCH_REBUILD_SPLIT_RUNS', 1, { integer: true });
  const dir = mkdtempSync(join(tmpdir(), 'freshindex-bench-split-'));
  const configs = { dynamodb: join(dir, 'dynamodb.config.mjs'), redis: join(dir, 'redis.config.mjs') };
  writeFileSync(configs.dynamodb, CONFIG_MODULE);
  writeFileSync(configs.redis, redisConfigModule());
  const server = await startRedis();
  const cms = await startGeneratedCms(size);
  const loads = new Map<string, number[]>();
  let table = 0;
  try {
    print(`rebuild job split over child processes: ${size.toLocaleString('en-US')} items, 1, 2 and 4 children interleaved, ${rounds} round(s)...`);
    for (let round = 0; round < rounds; round++) {
      for (const store of ['dynamodb', 'redis'] as const) {
        for (const children of [1, 2, 4]) {
          const tables = { indexTable: `split-index-${++table}`, controlTable: `split-control-${table}` };
          if (store === 'dynamodb') await createTables(dynamodb, tables);
          else await server.flush();
          const run = await runJobChild({
            FRESHINDEX_CONFIG: configs[store], BENCH_SOURCE: JSON.stringify(cms.source), FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '100',
            FRESHINDEX_REBUILD_CONCURRENCY: '8', FRESHINDEX_REBUILD_CHILDREN: String(children),
            ...(store === 'dynamodb' ? { FRESHINDEX_INDEX_TABLE: tables.indexTable, FRESHINDEX_CONTROL_TABLE: tables.controlTable } : { FRESHINDEX_REDIS_URL: server.url }),
            AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint, AWS_REGION: EMULATOR_REGION, AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
          });
          if (run.report?.outcome !== 'succeeded') throw new Error(`the ${store} rebuild with ${children} children ended ${run.report?.outcome ?? `without a report (exit ${run.exitCode})`}`);
          const key = `${store}:${children}`;
          loads.set(key, [...(loads.get(key) ?? []), run.report.throughput.loadPerSecond]);
        }
      }
    }
    const rows = (['dynamodb', 'redis'] as const).flatMap((store) => [1, 2, 4].map((children) => {
      const values = loads.get(`${store}:${children}`) ?? [];
      return [store === 'dynamodb' ? 'dynalite' : 'Redis', String(children), spread(values), ratio(median(values), median(loads.get(`${store}:1`) ?? []))];
    }));
    print(formatTable(['store', 'children', 'load items/s, median (min–max)', 'vs 1 child'], rows));
  } finally {
    cms.server.close();
    await server.stop();
  }
}

/** Prints both rows. */
export async function benchRebuildScaling(print: (line: string) => void, dynamodb: DynamoDBClient, dynamodbEndpoint: string): Promise<void> {
  await benchRedisLoad(print);
  print('');
  await benchChildren(print, dynamodb, dynamodbEndpoint);
}
