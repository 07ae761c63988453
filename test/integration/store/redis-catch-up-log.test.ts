import { describe, expect, it } from 'vitest';
import { bucketOf, KeyLayout, type RedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { useRedis } from '../../support/redis.ts';

async function readAll(stores: RedisStores, type: string, generation: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of stores.catchUp.read(type, generation)) ids.push(...page);
  return ids;
}

describe('Redis catch-up log', () => {
  const redis = useRedis();

  it('returns every logged id once, however often it was logged', async () => {
    await redis.stores.catchUp.record('video', 3, ['a', 'b', 'a']);
    await redis.stores.catchUp.record('video', 3, ['b', 'c']);
    expect((await readAll(redis.stores, 'video', 3)).sort()).toEqual(['a', 'b', 'c']);
  });

  it('reads a large log in several pages', async () => {
    const ids = Array.from({ length: 1_200 }, (_, i) => `id-${i}`);
    await redis.stores.catchUp.record('video', 3, ids);
    const pages: string[][] = [];
    for await (const page of redis.stores.catchUp.read('video', 3)) pages.push(page);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat().sort()).toEqual([...ids].sort());
  });

  it('keeps the logs of generations and types apart', async () => {
    await redis.stores.catchUp.record('video', 3, ['v3']);
    await redis.stores.catchUp.record('video', 4, ['v4']);
    await redis.stores.catchUp.record('article', 3, ['a3']);
    expect(await readAll(redis.stores, 'video', 4)).toEqual(['v4']);
    expect(await readAll(redis.stores, 'article', 3)).toEqual(['a3']);
  });

  it('forgets a generation\'s log when cleared, leaving the others', async () => {
    await redis.stores.catchUp.record('video', 3, ['a']);
    await redis.stores.catchUp.record('video', 4, ['b']);
    await redis.stores.catchUp.clear('video', 3);
    expect(await readAll(redis.stores, 'video', 3)).toEqual([]);
    expect(await readAll(redis.stores, 'video', 4)).toEqual(['b']);
  });

  it('forgets only the ids it is given, of that generation alone', async () => {
    await redis.stores.catchUp.record('video', 3, ['a', 'b', 'c']);
    await redis.stores.catchUp.record('video', 4, ['a']);
    await redis.stores.catchUp.forget('video', 3, ['a', 'c', 'never-logged']);
    expect(await readAll(redis.stores, 'video', 3)).toEqual(['b']);
    expect(await readAll(redis.stores, 'video', 4)).toEqual(['a']);
  });

  it('lets an abandoned log expire after a week', async () => {
    await redis.stores.catchUp.record('video', 3, ['a']);
    expect(await redis.client.ttl(new KeyLayout('fi:').catchUp('video', 3, bucketOf('a')))).toBe(7 * 24 * 3600);
  });
});
