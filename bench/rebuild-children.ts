/**
 * The rebuild's load split over 1, 2 and 4 child processes (FRESHINDEX_REBUILD_CHILDREN), against
 * stores that answer with a network's latency, as on AWS (`npm run bench -- rebuild`).
 *
 * On AWS a child (one Batch container) is bound by the round trips of its writes: DynamoDB
 * answers a write in single-digit milliseconds and scales out behind its endpoint, so a second
 * container doubles what is in flight. Locally one emulator answers at once and on the same cores
 * as the children, so more children only compete for its CPU. Here every request to dynalite and
 * to redis-server goes through a proxy that delays it (test/support/store-proxy.ts).
 * BENCH_DYNAMODB_LATENCY_MS (default 100) is 10 ms, a BatchWriteItem of 25 items at DynamoDB's
 * single-digit-millisecond latency, in time scaled by 10: dynalite here takes about 4,000 writes/s,
 * a tenth of a table's default quota of 40,000, so one child's share of the store's ceiling is what
 * it would be on AWS (at 10 ms one child's four calls already saturate dynalite; run it so to see
 * that). BENCH_REDIS_LATENCY_MS (default 1) is a round trip to an ElastiCache node in the same
 * Availability Zone. Every child is the same container:
 * BENCH_REBUILD_SPLIT_SEGMENTS_PER_CHILD segments (default 1) and as many bulk writes in flight
 * (100 records, four BatchWriteItem calls of 25, on DynamoDB; a pipeline of 500 on Redis).
 *
 * Baselines, through the same proxy, in this process: a raw loop with one child's calls in flight
 * (what one container of hand-written code does at that latency), and the same loop with 32 calls
 * and no added latency (the emulator's own ceiling on this machine). Sizes and rounds:
 * BENCH_REBUILD_SPLIT_ITEMS (default 20,000), BENCH_REBUILD_SPLIT_RUNS (default 3); the rows are
 * interleaved within each round, medians and min–max printed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators } from '../lambdas/local/emulators.ts';
import { startRedis, type RedisTestServer } from '../test/support/redis.ts';
import { createTables } from '../test/support/tables.ts';
import { CONFIG_MODULE, generated, rawBatchWrite, runJobChild, startGeneratedCms } from './rebuild.ts';
import { range, rawRedisPipeline, spread } from './rebuild-scaling.ts';
import { startLatencyProxy, type StoreProxy } from '../test/support/store-proxy.ts';
import { formatTable, positiveFromEnv } from './support/table.ts';

type Store = 'dynamodb' | 'redis';
const CHILDREN = [1, 2, 4] as const;
// A function: this module and rebuild.ts import each other, so CONFIG_MODULE is read at run time.
const redisConfig = () => CONFIG_MODULE.replace('pointerCacheSeconds: 1,', "pointerCacheSeconds: 1,\n  store: { type: 'redis', keyPrefix: 'bench:' },");

interface Setup {
  size: number;
  segmentsPerChild: number;
  latencyMs: Record<Store, number>;
  dynamodb: DynamoDBClient;
  proxies: Record<Store, StoreProxy>;
  redis: RedisTestServer;
  configs: Record<Store, string>;
  source: Record<string, unknown>;
}


let tables = 0;

/** One run of the real job, its load split over `children`: the load phase's items/s from its report. */
async function jobLoad(setup: Setup, store: Store, children: number): Promise<number> {
  const names = { indexTable: `children-index-${++tables}`, controlTable: `children-control-${tables}` };
  if (store === 'dynamodb') await createTables(setup.dynamodb, names);
  else await setup.redis.flush();
  const segments = children * setup.segmentsPerChild;
  const run = await runJobChild({
    FRESHINDEX_CONFIG: setup.configs[store], BENCH_SOURCE: JSON.stringify(setup.source), FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '100',
    FRESHINDEX_REBUILD_CONCURRENCY: String(segments), FRESHINDEX_REBUILD_WRITES_IN_FLIGHT: String(segments), FRESHINDEX_REBUILD_CHILDREN: String(children),
    ...(store === 'dynamodb' ? { FRESHINDEX_INDEX_TABLE: names.indexTable, FRESHINDEX_CONTROL_TABLE: names.controlTable } : { FRESHINDEX_REDIS_URL: setup.proxies.redis.via(setup.redis.url) }),
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${setup.proxies.dynamodb.port}`, AWS_REGION: EMULATOR_REGION, AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  });
  if (run.report?.outcome !== 'succeeded') throw new Error(`the ${store} rebuild with ${children} children ended ${run.report?.outcome ?? `without a report (exit ${run.exitCode})`}`);
  return run.report.throughput.loadPerSecond;
}

/** The raw loop of one container's calls in flight through the proxy, or of 32 calls straight to the emulator. */
async function rawLoad(setup: Setup, store: Store, through: 'proxy' | 'direct', endpoint: string): Promise<number> {
  const inFlight = through === 'proxy' ? setup.segmentsPerChild : 32;
  if (store === 'dynamodb') {
    const table = `children-raw-${++tables}`;
    await createTables(setup.dynamodb, { indexTable: table, controlTable: `${table}-control` });
    const client = new DynamoDBClient({ endpoint: through === 'proxy' ? `http://127.0.0.1:${setup.proxies.dynamodb.port}` : endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
    try {
      // One bulk write of the job is four BatchWriteItem calls of 25 in flight.
      return await rawBatchWrite(DynamoDBDocumentClient.from(client), table, setup.size, through === 'proxy' ? 4 * inFlight : inFlight);
    } finally {
      client.destroy();
    }
  }
  await setup.redis.flush();
  const { Redis } = await import('ioredis');
  const client = new Redis(through === 'proxy' ? setup.proxies.redis.via(setup.redis.url) : setup.redis.url);
  try {
    const docs = Array.from({ length: setup.size }, (_, n) => generated(n));
    return await rawRedisPipeline(client, docs, 2, { segments: 1, pageSize: 500, writesInFlight: inFlight, chunkSize: 500 });
  } finally {
    client.disconnect();
  }
}

/** Prints the children rows for both stores. */
export async function benchChildren(print: (line: string) => void, dynamodbEndpoint: string): Promise<void> {
  const size = positiveFromEnv('BENCH_REBUILD_SPLIT_ITEMS', 20_000, { integer: true });
  const rounds = positiveFromEnv('BENCH_REBUILD_SPLIT_RUNS', 3, { integer: true });
  const latencyMs = { dynamodb: positiveFromEnv('BENCH_DYNAMODB_LATENCY_MS', 100), redis: positiveFromEnv('BENCH_REDIS_LATENCY_MS', 1) };
  const dir = mkdtempSync(join(tmpdir(), 'freshindex-bench-children-'));
  const configs = { dynamodb: join(dir, 'dynamodb.config.mjs'), redis: join(dir, 'redis.config.mjs') };
  writeFileSync(configs.dynamodb, CONFIG_MODULE);
  writeFileSync(configs.redis, redisConfig());
  const redis = await startRedis();
  const cms = await startGeneratedCms(size);
  const proxies = { dynamodb: await startLatencyProxy(dynamodbEndpoint, latencyMs.dynamodb), redis: await startLatencyProxy(redis.url, latencyMs.redis) };
  const dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
  const setup: Setup = { size, segmentsPerChild: positiveFromEnv('BENCH_REBUILD_SPLIT_SEGMENTS_PER_CHILD', 1, { integer: true }), latencyMs, dynamodb, proxies, redis, configs, source: cms.source };
  const figures = new Map<string, number[]>();
  const add = (key: string, value: number) => figures.set(key, [...(figures.get(key) ?? []), value]);
  try {
    print(`rebuild job split over child processes, every request delayed (DynamoDB ${latencyMs.dynamodb} ms, Redis ${latencyMs.redis} ms): ${size.toLocaleString('en-US')} items, ${setup.segmentsPerChild} segment(s) and bulk write(s) in flight per child, ${rounds} round(s) interleaved...`);
    for (let round = 0; round < rounds; round++) {
      for (const store of ['dynamodb', 'redis'] as const) {
        const steps: Array<[string, () => Promise<number>]> = [
          ['raw', () => rawLoad(setup, store, 'proxy', dynamodbEndpoint)],
          ['ceiling', () => rawLoad(setup, store, 'direct', dynamodbEndpoint)],
          ...CHILDREN.map((children): [string, () => Promise<number>] => [String(children), () => jobLoad(setup, store, children)]),
        ];
        for (const [name, step] of round % 2 === 0 ? steps : steps.reverse()) add(`${store}:${name}`, await step());
      }
    }
    print(formatTable(['store', 'load', 'items/s, median (min–max)', 'vs 1 child, each round', 'vs raw loop, one container'], rowsOf(figures, setup)));
    print('A child is one container: its calls in flight are fixed, so with the latency a child is bound by its round trips and children add throughput until the emulator (one process on this machine\'s cores) is the bound: the "no added latency" row.');
  } finally {
    cms.server.close();
    dynamodb.destroy();
    await proxies.dynamodb.close();
    await proxies.redis.close();
    await redis.stop();
  }
}

function rowsOf(figures: Map<string, number[]>, setup: Setup): string[][] {
  return (['dynamodb', 'redis'] as const).flatMap((store) => {
    const of = (name: string) => figures.get(`${store}:${name}`) ?? [];
    const label = store === 'dynamodb' ? `dynalite +${setup.latencyMs.dynamodb} ms` : `Redis +${setup.latencyMs.redis} ms`;
    const perRound = (name: string, baseline: string) => range(of(name).map((value, i) => value / (of(baseline)[i] as number)));
    return [
      [label, `raw loop, one container's calls in flight`, spread(of('raw')), '', '1.00'],
      [label.split(' ')[0] as string, 'raw loop, 32 calls, no added latency (emulator ceiling)', spread(of('ceiling')), '', perRound('ceiling', 'raw')],
      ...CHILDREN.map((children) => [label, `job, ${children} child${children > 1 ? 'ren' : ''}`, spread(of(String(children))), perRound(String(children), '1'), perRound(String(children), 'raw')]),
    ];
  });
}

/** `npm run bench -- rebuild-children`: the children rows alone, on embedded emulators of their own. */
export async function benchRebuildChildren(print: (line: string) => void = console.log): Promise<void> {
  const emulators = await startEmbeddedEmulators();
  try {
    await benchChildren(print, emulators.endpoints.dynamodb);
  } finally {
    await emulators.stop();
  }
}
