import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { startRedis, type RedisTestServer } from '../../support/redis.ts';

async function readAll(stores: RedisStores, type: string, generation: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of stores.catchUp.read(type, generation)) ids.push(...page);
  return ids;
}

describe('Redis catch-up log', () => {
  let server: RedisTestServer;
  let client: Redis;
  let stores: RedisStores;

  beforeAll(async () => {
    server = await startRedis();
    client = server.client();
    stores = createRedisStores({ client, tombstoneTtlSeconds: 3600 });
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });
  beforeEach(async () => server.flush());

  it('returns every logged id once, however often it was logged', async () => {
    await stores.catchUp.record('video', 3, ['a', 'b', 'a']);
    await stores.catchUp.record('video', 3, ['b', 'c']);
    expect((await readAll(stores, 'video', 3)).sort()).toEqual(['a', 'b', 'c']);
  });

  it('reads a large log in several pages', async () => {
    const ids = Array.from({ length: 1_200 }, (_, i) => `id-${i}`);
    await stores.catchUp.record('video', 3, ids);
    const pages: string[][] = [];
    for await (const page of stores.catchUp.read('video', 3)) pages.push(page);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat().sort()).toEqual([...ids].sort());
  });

  it('keeps the logs of generations and types apart', async () => {
    await stores.catchUp.record('video', 3, ['v3']);
    await stores.catchUp.record('video', 4, ['v4']);
    await stores.catchUp.record('article', 3, ['a3']);
    expect(await readAll(stores, 'video', 4)).toEqual(['v4']);
    expect(await readAll(stores, 'article', 3)).toEqual(['a3']);
  });

  it('forgets a generation\'s log when cleared, leaving the others', async () => {
    await stores.catchUp.record('video', 3, ['a']);
    await stores.catchUp.record('video', 4, ['b']);
    await stores.catchUp.clear('video', 3);
    expect(await readAll(stores, 'video', 3)).toEqual([]);
    expect(await readAll(stores, 'video', 4)).toEqual(['b']);
  });

  it('lets an abandoned log expire after a week', async () => {
    await stores.catchUp.record('video', 3, ['a']);
    expect(await client.ttl('fi:c:{video}:3')).toBe(7 * 24 * 3600);
  });
});
