/**
 * A burst of changes during a build writes the catch-up log over many keys, not one: at 25,000
 * changes/s a single DynamoDB partition (1,000 writes/s) or a single Redis key would throttle or
 * serialize every applier. The keys a burst writes are recorded at the client (an SDK middleware
 * on DynamoDB, MONITOR on Redis).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatchUpLog } from '../../../lambdas/core/ports.ts';
import { DynamoCatchUpLog } from '../../../lambdas/adapters/dynamodb/catch-up-log.ts';
import { createTables } from '../../support/tables.ts';
import { createRedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { startAws } from '../../support/aws.ts';
import { startRedis } from '../../support/redis.ts';

interface Observed {
  log: CatchUpLog;
  /** Starts recording; the returned function stops and lists the key of every id written (one entry per id). */
  watch(): Promise<() => Promise<string[]>>;
  stop(): Promise<void>;
}

const backends: Record<string, () => Promise<Observed>> = {
  async dynamodb() {
    const aws = await startAws();
    const names = { indexTable: `spread-index-${process.pid}`, controlTable: `spread-control-${process.pid}` };
    await createTables(aws.dynamodb, names);
    const doc = DynamoDBDocumentClient.from(aws.dynamodb);
    let written: string[] | undefined;
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        if (written && String(context.commandName).startsWith('BatchWrite')) {
          const requests = (args.input as { RequestItems: Record<string, Array<{ PutRequest?: { Item: Record<string, unknown> } }>> }).RequestItems;
          for (const request of Object.values(requests).flat()) if (request.PutRequest) written.push(stringOf(request.PutRequest.Item['pk']));
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordLogKeys' },
    );
    return {
      log: new DynamoCatchUpLog(doc, names.controlTable),
      async watch() {
        written = [];
        return async () => {
          const keys = written ?? [];
          written = undefined;
          return keys;
        };
      },
      stop: () => aws.stop(),
    };
  },
  async redis() {
    const server = await startRedis();
    const stores = createRedisStores({ url: server.url, keyPrefix: 'fi:', tombstoneTtlSeconds: 3600 });
    return {
      log: stores.catchUp,
      async watch() {
        const client = server.client();
        const monitor: Redis = await client.monitor();
        const keys: string[] = [];
        let done = false;
        monitor.on('monitor', (_time: string, args: string[]) => {
          if (String(args[0]).toLowerCase() === 'echo' && args[1] === 'watch-done') done = true;
          if (String(args[0]).toLowerCase() === 'sadd') keys.push(...args.slice(2).map(() => String(args[1])));
        });
        return async () => {
          // MONITOR reports commands in order: once it reports this marker, it has reported everything before.
          const marker = server.client();
          await marker.echo('watch-done');
          marker.disconnect();
          while (!done) await new Promise((resolve) => setTimeout(resolve, 5));
          monitor.disconnect();
          client.disconnect();
          return keys;
        };
      },
      async stop() {
        await stores.close();
        await server.stop();
      },
    };
  },
};

describe.each(Object.entries(backends))('catch-up log on %s', (_name, start) => {
  let env: Observed;
  beforeAll(async () => {
    env = await start();
  });
  afterAll(async () => env.stop());

  it('spreads a burst of logged changes over many keys, and reads every one back once', async () => {
    // Prepare
    const ids = Array.from({ length: 2_000 }, (_, i) => `video-${i}`);
    const finish = await env.watch();

    // Act: appliers log in batches of ten, as the apply handler does.
    for (let start = 0; start < ids.length; start += 100) {
      await Promise.all(Array.from({ length: 10 }, (_, lane) => env.log.record('video', 3, ids.slice(start + lane * 10, start + lane * 10 + 10))));
    }
    const keys = await finish();
    const read: string[] = [];
    for await (const page of env.log.read('video', 3)) read.push(...page);

    // Assess
    const perKey = new Map<string, number>();
    for (const key of keys) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    expect(keys).toHaveLength(ids.length);
    expect(perKey.size).toBeGreaterThanOrEqual(32);
    expect(Math.max(...perKey.values())).toBeLessThanOrEqual(ids.length / 20);
    expect(read.sort()).toEqual([...ids].sort());
  });
});

/** A string attribute, marshalled (`{ S }`) or not. */
function stringOf(value: unknown): string {
  return typeof value === 'object' && value !== null && 'S' in value ? String((value as { S: unknown }).S) : String(value);
}
