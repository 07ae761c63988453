/**
 * The contract every index store must keep, run against each backend (Feast's "universal"
 * online-store tests are the model). A new backend joins by adding a factory to `backends`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, PartialWriteError } from '../../../lambdas/core/errors.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { initialPointer, nextPointer } from '../../../lambdas/core/pointer.ts';
import type { PointerStore, RecordStore } from '../../../lambdas/core/ports.ts';
import type { RecordWrite, StoredRecord } from '../../../lambdas/core/records.ts';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import { createTables } from '../../support/tables.ts';
import { createRedisStores, KeyLayout } from '../../../lambdas/adapters/redis/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startRedis } from '../../support/redis.ts';

type Store = PointerStore & RecordStore;

interface Backend {
  start(): Promise<{
    store: Store;
    fresh(): Promise<Store>;
    /** A write of `id` in `video` generation 1 that this backend refuses for good (arranged if need be). */
    refusedWrite(id: string): Promise<RecordWrite>;
    stop(): Promise<void>;
  }>;
}

let tableSeq = 0;
const backends: Record<string, Backend> = {
  dynamodb: {
    async start() {
      const aws: AwsTestEnv = await startAws();
      const fresh = async () => {
        const names = { indexTable: `idx-${++tableSeq}`, controlTable: `ctl-${tableSeq}` };
        await createTables(aws.dynamodb, names);
        return new DynamoIndexStore({ client: aws.doc, ...names, tombstoneTtlSeconds: 3600 });
      };
      // DynamoDB refuses a number it cannot hold exactly (the document client will not marshal it).
      const refusedWrite = async (id: string) => upsert(id, 2 ** 60, { huge: true });
      return { store: await fresh(), fresh, refusedWrite, stop: () => aws.stop() };
    },
  },
  redis: {
    async start() {
      const server = await startRedis();
      const stores = createRedisStores({ url: server.url, keyPrefix: 'fi:', tombstoneTtlSeconds: 3600 });
      const fresh = async () => {
        await server.flush();
        return stores.store;
      };
      // Redis refuses a guarded write whose key holds another type (WRONGTYPE inside the script).
      const refusedWrite = async (id: string) => {
        const client = server.client();
        await client.hset(new KeyLayout('fi:').record('video', 1, id), 'not', 'a record');
        await client.quit();
        return upsert(id, 1, { fine: true });
      };
      return {
        store: stores.store,
        fresh,
        refusedWrite,
        async stop() {
          await stores.close();
          await server.stop();
        },
      };
    },
  },
};

const upsert = (id: string, version: number, record: unknown): RecordWrite => ({ kind: 'upsert', id, version, hash: contentHash(record), record });
const remove = (id: string, version: number): RecordWrite => ({ kind: 'delete', id, version });

describe.each(Object.entries(backends))('index store contract: %s', (_name, backend) => {
  let env: Awaited<ReturnType<Backend['start']>>;
  let store: Store;

  beforeAll(async () => {
    env = await backend.start();
  });
  afterAll(async () => env.stop());
  beforeEach(async () => {
    store = await env.fresh();
  });

  it('returns what was written, with its version, hash, generation and write time', async () => {
    await store.write('video', 1, [upsert('a', 3, { title: 'A', tags: ['x'], score: 0.5, missing: null })]);
    const got = (await store.getRecords('video', 1, ['a'])).get('a') as StoredRecord;
    expect(got).toMatchObject({ type: 'video', id: 'a', generation: 1, version: 3, deleted: false, record: { title: 'A', tags: ['x'], score: 0.5, missing: null } });
    expect(got.hash).toBe(contentHash(got.record));
    expect(got.writtenAt).toBeGreaterThan(0);
  });

  it('keeps the newer version when an older change arrives late', async () => {
    const results = [
      ...(await store.write('video', 1, [upsert('a', 5, { v: 5 })])),
      ...(await store.write('video', 1, [upsert('a', 4, { v: 4 })])),
    ];
    expect(results).toEqual(['written', 'stale']);
    expect((await store.getRecords('video', 1, ['a'])).get('a')?.record).toEqual({ v: 5 });
  });

  it('treats the same version with the same content as a no-op', async () => {
    await store.write('video', 1, [upsert('a', 5, { v: 5 })]);
    expect(await store.write('video', 1, [upsert('a', 5, { v: 5 })])).toEqual(['unchanged']);
  });

  it('rewrites the same version with other content (a repair)', async () => {
    await store.write('video', 1, [upsert('a', 5, { v: 'drifted' })]);
    expect(await store.write('video', 1, [upsert('a', 5, { v: 5 })])).toEqual(['written']);
    expect((await store.getRecords('video', 1, ['a'])).get('a')?.record).toEqual({ v: 5 });
  });

  it('leaves a versioned tombstone that a late older upsert cannot resurrect', async () => {
    await store.write('video', 1, [upsert('a', 5, { v: 5 })]);
    expect(await store.write('video', 1, [remove('a', 6)])).toEqual(['written']);
    expect(await store.write('video', 1, [upsert('a', 5, { v: 5 })])).toEqual(['stale']);
    const got = (await store.getRecords('video', 1, ['a'])).get('a');
    expect(got).toMatchObject({ deleted: true, version: 6 });
    expect(got?.record).toBeUndefined();
    expect(got?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('lets a newer upsert re-create a deleted resource', async () => {
    await store.write('video', 1, [remove('a', 6)]);
    expect(await store.write('video', 1, [upsert('a', 7, { v: 7 })])).toEqual(['written']);
  });

  it('answers each write on its own: a write the store refuses fails alone while the others land', async () => {
    const refused = await env.refusedWrite('refused');
    const writes = [upsert('before', 1, { n: 1 }), refused, upsert('after', 1, { n: 2 })];

    const error = await store.write('video', 1, writes).then(() => undefined, (reason: unknown) => reason);

    expect(error).toBeInstanceOf(PartialWriteError);
    const outcomes = (error as PartialWriteError).outcomes;
    expect([outcomes[0], outcomes[2]]).toEqual(['written', 'written']);
    expect(outcomes[1]).toMatchObject({ error: { retryable: false } });
    expect((error as PartialWriteError).retryable).toBe(false);
    expect([...(await store.getRecords('video', 1, ['before', 'after'])).keys()].sort()).toEqual(['after', 'before']);
  });

  it('keeps generations and types apart', async () => {
    await store.write('video', 1, [upsert('a', 1, { g: 1 })]);
    await store.write('video', 2, [upsert('a', 1, { g: 2 })]);
    await store.write('article', 1, [upsert('a', 1, { t: 'article' })]);
    expect((await store.getRecords('video', 2, ['a'])).get('a')?.record).toEqual({ g: 2 });
    expect((await store.getRecords('article', 1, ['a'])).get('a')?.record).toEqual({ t: 'article' });
    expect((await store.getRecords('video', 3, ['a'])).size).toBe(0);
  });

  it('reads many records at once, beyond one batch call, leaving out unknown ids', async () => {
    const ids = Array.from({ length: 230 }, (_, i) => `r${i}`);
    await store.write('video', 1, ids.map((id) => upsert(id, 1, { id })));
    const got = await store.getRecords('video', 1, [...ids, 'nope', 'r1']);
    expect(got.size).toBe(230);
    expect(got.get('r229')?.record).toEqual({ id: 'r229' });
  });

  it('bulk-loads, scans in disjoint segments, and deletes a generation', async () => {
    const now = Date.now();
    const records: StoredRecord[] = Array.from({ length: 120 }, (_, i) => ({
      type: 'video', id: `b${i}`, generation: 4, version: 1, hash: contentHash({ i }), deleted: false, writtenAt: now, record: { i },
    }));
    await store.bulkPut('video', 4, records);
    await store.write('video', 5, [upsert('other-generation', 1, {})]);
    const seen: string[] = [];
    for (const segment of [0, 1, 2]) {
      for await (const page of store.scanGeneration('video', 4, { segment, totalSegments: 3, pageSize: 25 })) seen.push(...page.map((r) => r.id));
    }
    expect(seen.sort()).toEqual(records.map((r) => r.id).sort());
    await store.deleteRecords('video', 4, seen);
    expect((await store.getRecords('video', 4, seen)).size).toBe(0);
    expect((await store.getRecords('video', 5, ['other-generation'])).size).toBe(1);
  });

  it('creates a pointer once and swaps it only from the revision it was read at', async () => {
    const first = initialPointer('video', Date.now());
    await store.swapPointer(undefined, first);
    await expect(store.swapPointer(undefined, first)).rejects.toBeInstanceOf(ConflictError);
    const flipped = nextPointer(first, { active: 2, previous: 1 }, Date.now());
    await store.swapPointer(first, flipped);
    await expect(store.swapPointer(first, nextPointer(first, { active: 3 }, Date.now()))).rejects.toBeInstanceOf(ConflictError);
    expect(await store.readPointer('video')).toEqual(flipped);
  });

  it('clears optional pointer fields when a swap removes them', async () => {
    const building = nextPointer(initialPointer('video', 1), { building: { generation: 2, buildId: 'b1', startedAt: 1 }, nextGeneration: 3 }, 2);
    await store.swapPointer(undefined, building);
    const done = nextPointer(building, { active: 2, previous: 1, building: undefined }, 3);
    await store.swapPointer(building, done);
    const read = await store.readPointer('video');
    expect(read?.building).toBeUndefined();
    expect(read).toMatchObject({ active: 2, previous: 1, revision: building.revision + 1 });
  });
});
