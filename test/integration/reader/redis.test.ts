import { describe, expect, it, vi } from 'vitest';
import { createRedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { initialPointer } from '../../../lambdas/core/pointer.ts';
import { createReader } from '../../../lambdas/reader/index.ts';
import { useRedis } from '../../support/redis.ts';

const redis = useRedis();

/** Generation 1 of `type` holding `count` records, written through stores with `keyPrefix`. */
async function indexed(type: string, count: number, keyPrefix = 'fi:'): Promise<string[]> {
  const stores = createRedisStores({ client: redis.client, keyPrefix, tombstoneTtlSeconds: 3600 });
  const ids = Array.from({ length: count }, (_, i) => `r${i}`);
  await stores.store.swapPointer(undefined, initialPointer(type, Date.now()));
  await stores.store.write(type, 1, ids.map((id, n) => ({ kind: 'upsert', id, version: 1, hash: contentHash({ n }), record: { n } })));
  return ids;
}

/** How many commands of `name` the server has run so far. */
async function commandCalls(name: string): Promise<number> {
  const stats = await redis.client.info('commandstats');
  return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

async function connectedClients(): Promise<number> {
  return String(await redis.client.client('LIST')).trim().split('\n').length;
}

describe('reader on Redis', () => {
  it('reads a batch of ids in one round trip, whatever their count', async () => {
    const ids = await indexed('video', 1_200);
    const reader = createReader({ store: { type: 'redis' }, redis: redis.client });
    await reader.get('video', 'warm the caches');
    const pipelines: number[] = [];
    const pipeline = redis.client.pipeline.bind(redis.client);
    redis.client.pipeline = ((...args: Parameters<typeof pipeline>) => (pipelines.push(1), pipeline(...args))) as typeof redis.client.pipeline;

    const results = await reader.getMany('video', ids);

    redis.client.pipeline = pipeline;
    expect(results.map((result) => result.record)).toEqual(ids.map((_, n) => ({ n })));
    expect(pipelines).toHaveLength(1);
  });

  it('reads one id with one GET', async () => {
    await indexed('video', 3);
    const reader = createReader({ store: { type: 'redis' }, redis: redis.client });
    await reader.get('video', 'warm the caches');
    const [getsBefore, mgetsBefore] = [await commandCalls('get'), await commandCalls('mget')];

    const result = await reader.get('video', 'r2');

    expect(result).toMatchObject({ from: 'index', record: { n: 2 } });
    expect([(await commandCalls('get')) - getsBefore, (await commandCalls('mget')) - mgetsBefore]).toEqual([1, 0]);
  });

  it('reads the keys of the store\'s key prefix', async () => {
    await indexed('video', 2, 'app1:');
    await indexed('video', 1, 'app2:');

    const results = await createReader({ store: { type: 'redis', keyPrefix: 'app1:' }, redis: redis.client }).getMany('video', ['r0', 'r1']);

    expect(results.map((result) => result.from)).toEqual(['index', 'index']);
  });

  it('opens its own connection from a URL and closes it on close()', async () => {
    await indexed('video', 1);
    const clientsBefore = await connectedClients();
    const reader = createReader({ store: { type: 'redis' }, redis: redis.server.url });

    const result = await reader.get('video', 'r0');
    const clientsOpen = await connectedClients();
    await reader.close();

    expect(result.from).toBe('index');
    expect(clientsOpen - clientsBefore).toBe(1);
    // The server drops the connection just after it answered QUIT.
    await vi.waitFor(async () => expect(await connectedClients()).toBe(clientsBefore));
  });

  it('leaves a client it was given open on close()', async () => {
    const reader = createReader({ store: { type: 'redis' }, redis: redis.client });

    await reader.close();

    expect(await redis.client.ping()).toBe('PONG');
  });
});
