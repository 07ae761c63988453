/**
 * How each embedding cache stays bounded: entries expire after their TTL, and a hit renews the
 * expiry of a text still in use (DynamoDB: once past half its life; Redis: on every hit).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEmbeddingCache, embeddingItemKey } from '../../../lambdas/adapters/dynamodb/embedding-cache.ts';
import { RedisEmbeddingCache } from '../../../lambdas/adapters/redis/embedding-cache.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startRedis, type RedisTestServer } from '../../support/redis.ts';
import { createTables } from '../../support/tables.ts';

const vector = Float32Array.from([0.5, -0.5]);

describe('DynamoDB embedding cache expiry', () => {
  let aws: AwsTestEnv;
  const table = `emb-idx-${process.pid}`;
  let now = 1_767_225_600_000;
  const cache = () => new DynamoEmbeddingCache({ client: aws.doc, table, ttlSeconds: 100, clock: () => now });
  beforeAll(async () => {
    aws = await startAws();
    await createTables(aws.dynamodb, { indexTable: table, controlTable: `emb-ctl-${process.pid}` });
  });
  afterAll(async () => aws?.stop());

  it('treats an entry past its TTL as missing, even before DynamoDB deletes it', async () => {
    await cache().put([{ key: 'old', vector }]);
    now += 101_000;

    expect((await cache().get(['old'])).size).toBe(0);
  });

  it('renews the expiry of an entry hit past half its TTL', async () => {
    await cache().put([{ key: 'used', vector }]);
    now += 60_000;

    await cache().get(['used']);

    const { Item } = await aws.doc.send(new GetCommand({ TableName: table, Key: embeddingItemKey('used') }));
    expect(Item?.['expiresAt']).toBe(Math.floor(now / 1000) + 100);
  });
});

describe('Redis embedding cache expiry', () => {
  let server: RedisTestServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.stop());

  it('stores every entry with an expiry and renews it on a hit', async () => {
    const client = server.client();
    const cache = new RedisEmbeddingCache({ client, keyPrefix: 'fi:', ttlSeconds: 1_000 });
    await cache.put([{ key: 'k', vector }]);
    const stored = await client.ttl(cache.keyOf('k'));
    await client.expire(cache.keyOf('k'), 10);

    await cache.get(['k']);

    expect(stored).toBeGreaterThan(990);
    expect(await client.ttl(cache.keyOf('k'))).toBeGreaterThan(990);
    await client.quit();
  });
});
