/** What only the Redis catch-up log does; the rest is the contract (catch-up-log.contract.test.ts). */
import { describe, expect, it } from 'vitest';
import { bucketOf, KeyLayout } from '../../../lambdas/adapters/redis/index.ts';
import { useRedis } from '../../support/redis.ts';

describe('Redis catch-up log', () => {
  const redis = useRedis();

  it('reads a large log in several pages', async () => {
    const ids = Array.from({ length: 1_200 }, (_, i) => `id-${i}`);
    await redis.stores.catchUp.record('video', 3, ids);

    const pages: string[][] = [];
    for await (const page of redis.stores.catchUp.read('video', 3)) pages.push(page);

    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat().sort()).toEqual([...ids].sort());
  });

  it('lets an abandoned log expire after a week', async () => {
    await redis.stores.catchUp.record('video', 3, ['a']);
    expect(await redis.client.ttl(new KeyLayout('fi:').catchUp('video', 3, bucketOf('a')))).toBe(7 * 24 * 3600);
  });
});
