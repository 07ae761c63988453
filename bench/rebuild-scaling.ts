/**
 * Rows of the rebuild benchmark (issue #10), printed by `npm run bench -- rebuild`:
 *
 * 1. The rebuild's load into Redis (`loadGeneration` into the Redis index store, in this process,
 *    from an in-memory source) against a raw ioredis pipeline writing the same records (transform,
 *    hash, stored record, one SET each) at the same concurrency: pipelines of `chunkSize`,
 *    `writesInFlight` of them in flight. Both take the same documents, built before the clock
 *    starts. Interleaved A B, B A, BENCH_REBUILD_REDIS_RUNS runs (default 5) of
 *    BENCH_REBUILD_REDIS_ITEMS items (default 20,000); medians and min–max.
 * 2. The real job's load split over 1, 2 and 4 child processes into dynalite and Redis, every
 *    request delayed as across a network (bench/rebuild-children.ts).
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import pLimit from 'p-limit';
import { createRedisStores } from '../lambdas/adapters/redis/index.ts';
import { validateConfig, type TypeConfig } from '../lambdas/core/config/index.ts';
import { contentHash } from '../lambdas/core/hash.ts';
import { toStoredRecord } from '../lambdas/core/records.ts';
import { loadGeneration, ProgressTracker } from '../lambdas/core/rebuild/index.ts';
import { startRedis } from '../test/support/redis.ts';
import type { ScanOptions, Source, SourceDoc } from '../lambdas/core/ports.ts';
import { generated } from './rebuild.ts';
import { benchChildren } from './rebuild-children.ts';
import { formatTable, median, positiveFromEnv } from './support/table.ts';

/** The job's defaults for 4 segments: two writes in flight per segment, pages of 500. The chunk is set per row. */
export const TUNING = { segments: 4, pageSize: 500, writesInFlight: 8 };
type Tuning = typeof TUNING & { chunkSize: number };
const transform = (doc: Record<string, unknown>) => ({ title: doc['title'], tags: doc['tags'], score: doc['score'] });
/** A median and its min–max, as whole numbers. */
export const spread = (values: readonly number[]) => `${Math.round(median(values)).toLocaleString('en-US')} (${Math.round(Math.min(...values)).toLocaleString('en-US')}–${Math.round(Math.max(...values)).toLocaleString('en-US')})`;

/** A median ratio and its min–max. */
export const range = (values: readonly number[]) => `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;

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

/** The bench's type, as the job's config would declare it (its source is never called: the load reads a `ReadySource`). */
export function benchType(): TypeConfig {
  return validateConfig({ types: [{ name: 'item', source: { type: 'http', itemUrl: 'http://unused/{id}', pageUrl: 'http://unused/?cursor={cursor}' }, transform, version: (doc: Record<string, unknown>) => doc['v'] as number }] }).types[0] as TypeConfig;
}

/** The rebuild's load into Redis, items per second. */
export async function freshindexRedisLoad(url: string, source: ReadySource, generation: number, tuning: Tuning): Promise<number> {
  const stores = createRedisStores({ url, keyPrefix: 'bench:', tombstoneTtlSeconds: 3600 });
  const type = benchType();
  try {
    // Connected (and the scripts' first EVALSHA answered) before the clock starts, as the raw client is.
    await stores.store.countLive('item', generation);
    const started = performance.now();
    const progress = new ProgressTracker(Date.now, 60_000, () => undefined);
    const result = await loadGeneration({ type, source, records: stores.store, generation, tuning, tombstoneTtlSeconds: 3600, sampleSize: 100, clock: Date.now, random: Math.random, progress });
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
export async function rawRedisPipeline(client: Redis, docs: readonly SourceDoc[], round: number, tuning: Tuning): Promise<number> {
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

/** Prints both rows. */
export async function benchRebuildScaling(print: (line: string) => void, dynamodbEndpoint: string): Promise<void> {
  await benchRedisLoad(print);
  print('');
  await benchChildren(print, dynamodbEndpoint);
}
