/**
 * The clean-up of a retired generation costs work proportional to that generation: it reads and
 * deletes that generation's records and nothing of another type or generation. On DynamoDB the
 * items every Scan or Query evaluated are counted by an SDK middleware (`ScannedCount`, what a
 * read is paid for); on Redis every key the clean-up's commands name is recorded with MONITOR, and
 * the record values it fetched are counted.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialPointer, nextPointer } from '../../../lambdas/core/pointer.ts';
import type { CatchUpLog, PointerStore, RecordStore } from '../../../lambdas/core/ports.ts';
import { toStoredRecord, type Generation } from '../../../lambdas/core/records.ts';
import { runRetirements, silentLog } from '../../../lambdas/core/rebuild/index.ts';
import { DynamoCatchUpLog } from '../../../lambdas/adapters/dynamodb/catch-up-log.ts';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import { createTables } from '../../support/tables.ts';
import { createRedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startRedis, type RedisTestServer } from '../../support/redis.ts';
import { MemoryControl } from '../../support/memory/index.ts';

type Store = PointerStore & RecordStore;

/** What a backend lets the test observe of the clean-up. */
interface Observed {
  store: Store;
  catchUp: CatchUpLog;
  /** Starts recording; the returned function stops and says what was read and touched. */
  watch(): Promise<() => Promise<{ read: number; foreignKeys: string[] }>>;
  stop(): Promise<void>;
}

const RETIRED = { type: 'video', generation: 2 };
/** Records per (type, generation); tombstones are a fifth of each. */
const LAYOUT: Array<{ type: string; generation: Generation; count: number }> = [
  { type: 'video', generation: 2, count: 60 },
  { type: 'video', generation: 3, count: 150 },
  { type: 'video', generation: 4, count: 150 },
  { type: 'article', generation: 2, count: 150 },
];

const backends: Record<string, () => Promise<Observed>> = {
  async dynamodb() {
    const aws: AwsTestEnv = await startAws();
    const names = { indexTable: `scope-index-${process.pid}`, controlTable: `scope-control-${process.pid}` };
    await createTables(aws.dynamodb, names);
    const doc = DynamoDBDocumentClient.from(aws.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    let recording: { read: number } | undefined;
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const command = context.commandName ?? '';
        const input = args.input as { TableName?: string };
        if (recording && input.TableName === names.indexTable && (command === 'ScanCommand' || command === 'QueryCommand')) {
          recording.read += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
        }
        return result;
      },
      { step: 'initialize', name: 'countItemsRead' },
    );
    const store = new DynamoIndexStore({ client: doc, ...names, tombstoneTtlSeconds: 3600 });
    return {
      store,
      catchUp: new DynamoCatchUpLog(doc, names.controlTable),
      async watch() {
        recording = { read: 0 };
        return async () => {
          const read = recording?.read ?? 0;
          recording = undefined;
          return { read, foreignKeys: [] };
        };
      },
      stop: () => aws.stop(),
    };
  },
  async redis() {
    const server: RedisTestServer = await startRedis();
    const stores = createRedisStores({ url: server.url, keyPrefix: 'fi:', tombstoneTtlSeconds: 3600 });
    return {
      store: stores.store,
      catchUp: stores.catchUp,
      async watch() {
        const client = server.client();
        const monitor: Redis = await client.monitor();
        const keys: string[] = [];
        let read = 0;
        let done = false;
        monitor.on('monitor', (_time: string, args: string[]) => {
          if (String(args[0]).toLowerCase() === 'echo' && args[1] === 'watch-done') done = true;
          const named = args.filter((arg) => arg.startsWith('fi:r:') || arg.startsWith('fi:ids:') || arg.startsWith('fi:del:'));
          keys.push(...named);
          if (['mget', 'get'].includes(String(args[0]).toLowerCase())) read += named.filter((key) => key.startsWith('fi:r:')).length;
        });
        return async () => {
          // MONITOR reports commands in order: once it reports this marker, it has reported everything before.
          const marker = server.client();
          await marker.echo('watch-done');
          marker.disconnect();
          while (!done) await new Promise((resolve) => setTimeout(resolve, 5));
          monitor.disconnect();
          client.disconnect();
          const own = `{${RETIRED.type}:${RETIRED.generation}:`;
          return { read, foreignKeys: [...new Set(keys.filter((key) => !key.includes(own)))] };
        };
      },
      async stop() {
        await stores.close();
        await server.stop();
      },
    };
  },
};

describe.each(Object.entries(backends))('clean-up of a retired generation on %s', (_name, start) => {
  let env: Observed;
  beforeAll(async () => {
    env = await start();
    for (const { type, generation, count } of LAYOUT) {
      const records = Array.from({ length: count }, (_, i) =>
        toStoredRecord(type, generation, i % 5 === 0 ? { kind: 'delete', id: `${type}-${i}`, version: 2 } : { kind: 'upsert', id: `${type}-${i}`, version: 1, hash: `h${i}`, record: { i } }, Date.now(), 3600),
      );
      await env.store.bulkPut(type, generation, records);
    }
    await env.store.swapPointer(undefined, nextPointer(initialPointer('video', 0), { active: 4, previous: 3, nextGeneration: 5 }, 0));
  });
  afterAll(async () => env.stop());

  it('deletes the retired generation and reads or touches no record of another type or generation', async () => {
    // Prepare
    const control = new MemoryControl();
    await control.markSwept('video', 5);
    await control.add({ ...RETIRED, records: true, retiredAt: 0, reason: 'test' });
    const others = await Promise.all(LAYOUT.filter((part) => part.type !== RETIRED.type || part.generation !== RETIRED.generation).map(async (part) => ({ part, before: await contents(env.store, part.type, part.generation) })));
    const finish = await env.watch();

    // Act
    const result = await runRetirements({
      type: 'video', pointers: env.store, records: env.store, catchUp: env.catchUp, retirements: control, clock: Date.now,
      sleep: async () => {}, graceMs: 0, rate: { deletesPerSecond: 1_000_000, from: 'configured' }, segments: 4, log: silentLog,
    });
    const seen = await finish();

    // Assess
    expect(result).toMatchObject({ generations: [2], deleted: 60, failed: [] });
    expect((await contents(env.store, 'video', 2)).size).toBe(0);
    for (const { part, before } of others) expect(await contents(env.store, part.type, part.generation)).toEqual(before);
    expect(seen.foreignKeys).toEqual([]);
    expect(seen.read).toBeLessThanOrEqual(60);
  });
});

/** Every record of one generation, by id. */
async function contents(store: RecordStore, type: string, generation: Generation): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  for await (const page of store.scanGeneration(type, generation, { segment: 0, totalSegments: 1 })) {
    for (const record of page) found.set(record.id, { version: record.version, deleted: record.deleted, record: record.record });
  }
  return found;
}
