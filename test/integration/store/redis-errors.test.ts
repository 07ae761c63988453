/**
 * The Redis adapter answers failures with the domain's StoreError, never a raw ioredis error:
 * retryable when another try may succeed (server gone, replica read-only), not otherwise.
 */
import { describe, expect, it } from 'vitest';
import { createRedisStores, translateRedisError } from '../../../lambdas/adapters/redis/index.ts';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { startRedis, useRedis } from '../../support/redis.ts';

const write = { kind: 'upsert' as const, id: 'a', version: 1, hash: 'h', record: {} };

async function failure(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe('Redis error translation', () => {
  const redis = useRedis();

  it('fails with a retryable StoreError, the ioredis error as its cause, when the server is gone', async () => {
    const doomed = await startRedis();
    const stores = createRedisStores({ url: doomed.url, tombstoneTtlSeconds: 3600 });
    await stores.store.write('video', 1, [write]);
    await doomed.stop();
    const error = await failure(stores.store.getRecords('video', 1, ['a']));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^Redis MGET\(records\) failed/);
    expect(error.context).toMatchObject({ type: 'video', generation: 1 });
    expect(error.cause).toBeInstanceOf(Error);
    await stores.close();
  });

  it('fails with a retryable StoreError when writing to a read-only replica', async () => {
    const replica = await startRedis();
    const admin = replica.client();
    // A primary that never answers: the replica stays read-only and never starts loading a sync.
    await admin.replicaof('127.0.0.1', 1);
    const stores = createRedisStores({ client: admin, tombstoneTtlSeconds: 3600 });
    const error = await failure(stores.store.write('video', 1, [write]));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/READONLY/);
    admin.disconnect();
    await replica.stop();
  });

  it('fails with a permanent StoreError when a key holds something else', async () => {
    await redis.client.set('fi:q:{video}', 'not a hash');
    const error = await failure(redis.stores.quarantine.list('video'));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/WRONGTYPE/);
  });

  it('treats a server still loading its dataset as transient', () => {
    const loading = Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' });
    expect(translateRedisError(loading, 'GET(pointer)').retryable).toBe(true);
  });
});
