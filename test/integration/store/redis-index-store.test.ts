/**
 * What the store contract does not pin down about the Redis index store: tombstone expiry on
 * the server, the key layout (prefix, buckets), scans over expired tombstones and odd ids.
 */
import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf, bucketsOfSegment, createRedisStores, KeyLayout, RedisIndexStore, type RedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { withScripts } from '../../../lambdas/adapters/redis/scripts.ts';
import { ConfigError, ConflictError } from '../../../lambdas/core/errors.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { initialPointer, nextPointer } from '../../../lambdas/core/pointer.ts';
import type { RecordWrite, StoredRecord } from '../../../lambdas/core/records.ts';
import { useRedis } from '../../support/redis.ts';

const upsert = (id: string, version: number, record: unknown): RecordWrite => ({ kind: 'upsert', id, version, hash: contentHash(record), record });
const remove = (id: string, version: number): RecordWrite => ({ kind: 'delete', id, version });
const recordKey = (prefix: string, type: string, generation: number, id: string) => `${prefix}r:{${type}:${generation}:${bucketOf(id)}}:${id}`;

async function scanAll(stores: RedisStores, type: string, generation: number, totalSegments = 1): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  for (let segment = 0; segment < totalSegments; segment++) {
    for await (const page of stores.store.scanGeneration(type, generation, { segment, totalSegments })) records.push(...page);
  }
  return records;
}

describe('Redis index store', () => {
  const redis = useRedis();

  it('lets a tombstone expire on the server at its expiresAt', async () => {
    await redis.stores.store.write('video', 1, [remove('a', 2)]);
    const tombstone = (await redis.stores.store.getRecords('video', 1, ['a'])).get('a');
    expect(await redis.client.expiretime(recordKey('fi:', 'video', 1, 'a'))).toBe(tombstone?.expiresAt);
  });

  it('keeps a record that replaces a tombstone forever', async () => {
    await redis.stores.store.write('video', 1, [remove('a', 2)]);
    await redis.stores.store.write('video', 1, [upsert('a', 3, { back: true })]);
    expect(await redis.client.ttl(recordKey('fi:', 'video', 1, 'a'))).toBe(-1);
  });

  it('gives bulk-loaded tombstones their expiry too', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    await redis.stores.store.bulkPut('video', 2, [{ type: 'video', id: 'gone', generation: 2, version: 4, hash: 'tombstone', deleted: true, writtenAt: 1, expiresAt }]);
    expect(await redis.client.expiretime(recordKey('fi:', 'video', 2, 'gone'))).toBe(expiresAt);
  });

  it('skips expired tombstones in scans and forgets their ids', async () => {
    await redis.stores.store.write('video', 1, [upsert('kept', 1, {}), remove('expired', 1)]);
    await redis.client.del(recordKey('fi:', 'video', 1, 'expired'));
    expect((await scanAll(redis.stores, 'video', 1)).map((r) => r.id)).toEqual(['kept']);
    expect(await redis.client.sismember(`fi:ids:{video:1:${bucketOf('expired')}}`, 'expired')).toBe(0);
  });

  it('keeps stores with different key prefixes apart on one server', async () => {
    const other = createRedisStores({ client: redis.client, keyPrefix: 'tenant-b:', tombstoneTtlSeconds: 3600 });
    await redis.stores.store.write('video', 1, [upsert('a', 1, { tenant: 'a' })]);
    await other.store.write('video', 1, [upsert('a', 1, { tenant: 'b' })]);
    expect((await redis.stores.store.getRecords('video', 1, ['a'])).get('a')?.record).toEqual({ tenant: 'a' });
    expect((await other.store.getRecords('video', 1, ['a'])).get('a')?.record).toEqual({ tenant: 'b' });
  });

  it('stores ids with colons, braces, glob characters and non-ASCII text', async () => {
    const ids = ['a:b', '{x}', 'c*?[d]', 'vidéo-ß', ''];
    await redis.stores.store.write('video', 1, ids.map((id) => upsert(id, 1, { id })));
    expect([...(await redis.stores.store.getRecords('video', 1, ids)).keys()].sort()).toEqual([...ids].sort());
    expect((await scanAll(redis.stores, 'video', 1, 5)).map((r) => r.id).sort()).toEqual([...ids].sort());
  });

  it('keeps the newest version when many clients write one record at once', async () => {
    const writers = Array.from({ length: 4 }, () => createRedisStores({ url: redis.server.url, tombstoneTtlSeconds: 3600 }));
    const versions = [7, 3, 12, 1, 9, 12, 5, 11, 2, 8, 10, 4, 6];
    await Promise.all(versions.map((version, i) => writers[i % writers.length]?.store.write('video', 1, [upsert('hot', version, { version })])));
    expect((await redis.stores.store.getRecords('video', 1, ['hot'])).get('hot')).toMatchObject({ version: 12, record: { version: 12 } });
    await Promise.all(writers.map((writer) => writer.close()));
  });

  it('lets exactly one of many concurrent pointer swaps from one revision win', async () => {
    const first = initialPointer('video', 1);
    await redis.stores.store.swapPointer(undefined, first);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => redis.stores.store.swapPointer(first, nextPointer(first, { active: 2 + i }, 2))),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof ConflictError)).toHaveLength(9);
  });

  it('splits the buckets into disjoint, complete segments for any segment count', () => {
    for (const total of [1, 2, 3, 7, 64, 100]) {
      const buckets = Array.from({ length: total }, (_, segment) => bucketsOfSegment(segment, total)).flat();
      expect(buckets.sort((a, b) => a - b)).toEqual(Array.from({ length: BUCKETS }, (_, i) => i));
    }
  });

  it('refuses a key prefix that would break Redis Cluster hash tags', () => {
    expect(() => createRedisStores({ client: redis.client, keyPrefix: 'fi{x}:', tombstoneTtlSeconds: 3600 })).toThrow(ConfigError);
  });

  it('stops a scan when its signal is aborted', async () => {
    await redis.stores.store.write('video', 1, [upsert('a', 1, {})]);
    const controller = new AbortController();
    controller.abort();
    const pages = redis.stores.store.scanGeneration('video', 1, { segment: 0, totalSegments: 1, signal: controller.signal });
    await expect(pages[Symbol.asyncIterator]().next()).rejects.toThrow(/abort/i);
  });

  it('reads every id of a read that spans several pipelines', async () => {
    // Prepare: a store sending at most 20 commands a pipeline, and 230 records over the 64 buckets.
    const store = new RedisIndexStore({ client: withScripts(redis.client), keys: new KeyLayout('fi:'), tombstoneTtlSeconds: 3600, chunkSize: 20 });
    const ids = Array.from({ length: 230 }, (_, i) => `r${i}`);
    await store.write('video', 1, ids.map((id) => upsert(id, 1, { id })));

    // Act
    const got = await store.getRecords('video', 1, [...ids, 'nope']);

    // Assess
    expect([...got.keys()].sort()).toEqual([...ids].sort());
    expect(got.get('r229')?.record).toEqual({ id: 'r229' });
  });

  it('bulk-loads a chunk with one command per bucket it touches, not one per record', async () => {
    // Prepare: 200 records (every tenth a tombstone) and a MONITOR that tells client commands from scripts' own.
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const loaded = Array.from({ length: 200 }, (_, i): StoredRecord =>
      i % 10 === 0
        ? { type: 'video', id: `v${i}`, generation: 2, version: 1, hash: 'tombstone', deleted: true, writtenAt: 0, expiresAt }
        : { type: 'video', id: `v${i}`, generation: 2, version: 1, hash: 'h', deleted: false, writtenAt: 0, record: { i } },
    );
    const buckets = new Set(loaded.map((record) => bucketOf(record.id))).size;
    const monitored = redis.server.client();
    const monitor = await monitored.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (!/lua/i.test(source)) commands.push(args.join(' '));
    });

    // Act
    await redis.stores.store.bulkPut('video', 2, loaded);

    // Assess
    await redis.client.echo('load-done');
    while (!commands.includes('echo load-done')) await new Promise((resolve) => setTimeout(resolve, 5));
    monitor.disconnect();
    monitored.disconnect();
    const sent = commands.filter((command) => command.includes('fi:'));
    expect(sent.length).toBeLessThanOrEqual(buckets);
    expect(await redis.stores.store.countLive('video', 2)).toBe(180);
    expect((await scanAll(redis.stores, 'video', 2)).map((record) => record.id).sort()).toEqual(loaded.map((record) => record.id).sort());
  });

  it('moves a bulk-loaded id between the live and tombstone sets of its bucket', async () => {
    // Prepare: a generation holding a live record and a tombstone.
    await redis.stores.store.write('video', 2, [upsert('back', 1, {}), remove('back', 2), upsert('going', 1, {})]);
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;

    // Act: the load brings one back and tombstones the other.
    await redis.stores.store.bulkPut('video', 2, [
      { type: 'video', id: 'back', generation: 2, version: 3, hash: 'h', deleted: false, writtenAt: 0, record: { back: true } },
      { type: 'video', id: 'going', generation: 2, version: 2, hash: 'tombstone', deleted: true, writtenAt: 0, expiresAt },
    ]);

    // Assess
    expect(await redis.client.sismember(`fi:ids:{video:2:${bucketOf('back')}}`, 'back')).toBe(1);
    expect(await redis.client.sismember(`fi:del:{video:2:${bucketOf('back')}}`, 'back')).toBe(0);
    expect(await redis.client.sismember(`fi:ids:{video:2:${bucketOf('going')}}`, 'going')).toBe(0);
    expect(await redis.client.sismember(`fi:del:{video:2:${bucketOf('going')}}`, 'going')).toBe(1);
    expect(await redis.stores.store.countLive('video', 2)).toBe(1);
    expect(await redis.client.ttl(recordKey('fi:', 'video', 2, 'back'))).toBe(-1);
    expect(await redis.client.expiretime(recordKey('fi:', 'video', 2, 'going'))).toBe(expiresAt);
  });

  it('counts a generation\'s live records from its id sets, reading no record', async () => {
    // Prepare: a loaded generation, then upserts, deletes and a resurrection through the guard.
    const loaded = Array.from({ length: 300 }, (_, i) => ({ type: 'video', id: `v${i}`, generation: 2, version: 1, hash: 'h', deleted: i % 10 === 0, writtenAt: 0, record: {} }) as StoredRecord);
    await redis.stores.store.bulkPut('video', 2, loaded.map((record) => (record.deleted ? { ...record, record: undefined, expiresAt: Math.floor(Date.now() / 1000) + 3600 } : record)));
    await redis.stores.store.write('video', 2, [remove('v1', 2), remove('v2', 2), upsert('v10', 2, { back: true }), upsert('new', 1, {})]);
    await redis.stores.store.bulkPut('article', 2, loaded.slice(0, 5));
    const monitored = redis.server.client();
    const monitor = await monitored.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));

    // Act
    const counted = await redis.stores.store.countLive('video', 2);

    // Assess
    // MONITOR reports commands in order: once it reports this marker, it has reported the count.
    await redis.client.echo('count-done');
    while (!commands.includes('echo count-done')) await new Promise((resolve) => setTimeout(resolve, 5));
    // What MONITOR saw of the count alone: the scan below must not be mistaken for it.
    const seen = [...commands];
    monitor.disconnect();
    monitored.disconnect();
    expect(counted).toBe((await scanAll(redis.stores, 'video', 2)).filter((record) => !record.deleted).length);
    expect(counted).toBe(270 - 2 + 1 + 1);
    expect(seen.filter((command) => command.includes('fi:r:') || /^(sscan|smembers)/i.test(command))).toEqual([]);
    expect(seen.filter((command) => /^scard fi:ids:\{video:2:/i.test(command))).toHaveLength(64);
  });
});
