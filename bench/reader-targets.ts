/**
 * The two stores the reader benchmark reads, each loaded with the same records and paired with
 * the bare client call a hand-written reader would make: GetItem / BatchGetItem on dynalite,
 * GET / MGET on redis-server.
 */
import { recordKey } from '../lambdas/adapters/dynamodb/keys.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoIndexStore } from '../lambdas/adapters/dynamodb/index-store.ts';
import { DynamoQuarantineStore } from '../lambdas/adapters/dynamodb/quarantine-store.ts';
import { createTables } from '../test/support/tables.ts';
import { createRedisStores, KeyLayout } from '../lambdas/adapters/redis/index.ts';
import { groupByBucket } from '../lambdas/adapters/redis/keys.ts';
import { contentHash } from '../lambdas/core/hash.ts';
import { initialPointer } from '../lambdas/core/pointer.ts';
import type { PointerStore, QuarantineStore, RecordStore } from '../lambdas/core/ports.ts';
import type { StoredRecord } from '../lambdas/core/records.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators } from '../lambdas/local/emulators.ts';
import { createReader, type Reader, type ReaderOptions } from '../lambdas/reader/index.ts';
import { startRedis } from '../test/support/redis.ts';

export const TYPE = 'video';

/** One store under measurement. */
export interface ReaderTarget {
  name: string;
  /** The bare call of one key, and its name. */
  bareGet: { label: string; run(id: string): Promise<unknown> };
  /** Bare calls of many keys in one round trip: the reader's `getMany` is compared with each. */
  bareMany: Array<{ label: string; run(distinctIds: readonly string[]): Promise<unknown> }>;
  reader: Reader;
  /** The same reader with an in-memory fallback (isolates the reader's cost of splitting a batch). */
  withFallback: Reader;
  /** Client calls (DynamoDB requests) so far; undefined where not counted. */
  calls(): number | undefined;
  stop(): Promise<void>;
}

const inMemoryFallback: ReaderOptions['fallback'] = async (_type, wanted) => new Map(wanted.map((id) => [id, { title: `source ${id}` }]));

/** Loads `ids` into generation 1 of the type and quarantines every hundredth id. */
async function load(index: PointerStore & RecordStore, quarantine: QuarantineStore, ids: readonly string[]): Promise<void> {
  await index.swapPointer(undefined, initialPointer(TYPE, Date.now()));
  await index.bulkPut(TYPE, 1, ids.map((id, i) => storedVideo(id, i)));
  for (const id of ids.filter((_, i) => i % 100 === 7)) {
    await quarantine.add({ type: TYPE, id, since: Date.now(), differences: 3, lastDifference: 'bench', cleanChecks: 0 });
  }
}

/** DynamoDB on dynalite, in process. */
export async function dynamoTarget(ids: readonly string[]): Promise<ReaderTarget> {
  const tables = { indexTable: 'bench-reader-index', controlTable: 'bench-reader-control' };
  const emulators = await startEmbeddedEmulators();
  const dynamodb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
  let calls = 0;
  dynamodb.middlewareStack.add((next) => async (args) => ((calls += 1), next(args)), { step: 'initialize', name: 'countCalls' });
  const doc = DynamoDBDocumentClient.from(dynamodb);
  await createTables(dynamodb, tables);
  await load(new DynamoIndexStore({ client: doc, ...tables, tombstoneTtlSeconds: 3600 }), new DynamoQuarantineStore(doc, tables.controlTable), ids);
  const options = { dynamodb, ...tables, pointerCacheMs: 600_000 };
  const key = (id: string) => recordKey(TYPE, 1, id);
  return {
    name: 'DynamoDB (dynalite)',
    reader: createReader(options),
    withFallback: createReader({ ...options, fallback: inMemoryFallback }),
    bareGet: { label: 'GetItem', run: (id) => doc.send(new GetCommand({ TableName: tables.indexTable, Key: key(id) })) },
    bareMany: [{ label: 'BatchGetItem', run: (distinct) => doc.send(new BatchGetCommand({ RequestItems: { [tables.indexTable]: { Keys: distinct.map(key) } } })) }],
    calls: () => calls,
    async stop() {
      dynamodb.destroy();
      await emulators.stop();
    },
  };
}

/** Redis on a local redis-server, one connection shared by the reader and the bare calls. */
export async function redisTarget(ids: readonly string[]): Promise<ReaderTarget> {
  const server = await startRedis();
  const client = server.client();
  const stores = createRedisStores({ client, tombstoneTtlSeconds: 3600 });
  await load(stores.store, stores.quarantine, ids);
  const keys = new KeyLayout('fi:');
  const options = { store: { type: 'redis' as const }, redis: client, pointerCacheMs: 600_000 };
  const pipelinedMget = (distinct: readonly string[]) => {
    const pipeline = client.pipeline();
    for (const [bucket, group] of groupByBucket(distinct)) pipeline.mget(group.map((id) => keys.record(TYPE, 1, id, bucket)));
    return pipeline.exec();
  };
  return {
    name: 'Redis (redis-server)',
    reader: createReader(options),
    withFallback: createReader({ ...options, fallback: inMemoryFallback }),
    bareGet: { label: 'GET', run: (id) => client.get(keys.record(TYPE, 1, id)) },
    bareMany: [
      // What any cluster-safe reader sends: keys of one MGET must share a slot (hash tag).
      { label: 'pipeline of MGET per hash tag', run: pipelinedMget },
      // The same, values parsed: what the reader cannot skip.
      { label: 'pipelined MGETs + JSON.parse', run: async (distinct) => ((await pipelinedMget(distinct)) ?? []).map(([, values]) => (values as string[]).map((raw) => JSON.parse(raw) as unknown)) },
      // The floor on one node (not on a cluster or ElastiCache Serverless: CROSSSLOT).
      { label: 'one MGET', run: (distinct) => client.mget(distinct.map((id) => keys.record(TYPE, 1, id))) },
    ],
    calls: () => undefined,
    async stop() {
      client.disconnect();
      await server.stop();
    },
  };
}

function storedVideo(id: string, i: number): StoredRecord {
  const record = { title: `Video ${i}`, tags: ['a', 'b', 'c'].map((tag) => `${tag}-${i % 17}`), description: 'x'.repeat(400), duration: i % 3600 };
  return { type: TYPE, id, generation: 1, version: 1, hash: contentHash(record), deleted: false, writtenAt: Date.now(), record };
}
