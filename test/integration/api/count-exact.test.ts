/**
 * `?count=exact` counts the store the config selects (issue #9's second defect: it counted the
 * DynamoDB index table even with `store: { type: 'redis' }`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpsApp } from '../../../lambdas/api/app.ts';
import { createTables } from '../../support/tables.ts';
import { createRedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { ensurePointer } from '../../../lambdas/core/pointer-cache.ts';
import { createOpsDeps } from '../../../lambdas/handlers/api.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { useRedis } from '../../support/redis.ts';

const tables = { indexTable: 'count-index', controlTable: 'count-control' };
const redisConfig = {
  store: { type: 'redis' as const },
  types: [{ name: 'video', source: { type: 'jsonl' as const, path: '/dev/null' }, transform: (doc: Record<string, unknown>) => ({ title: doc['title'] }), version: () => 1 }],
};

describe('the ops API with the Redis store', () => {
  const redis = useRedis();
  let aws: AwsTestEnv;

  beforeAll(async () => {
    aws = await startAws();
    await createTables(aws.dynamodb, tables);
  });
  afterAll(async () => aws.stop());

  it('counts the Redis records of the active generation with ?count=exact', async () => {
    // Prepare: three records in Redis, none in the DynamoDB index table.
    const stores = createRedisStores({ client: redis.client, tombstoneTtlSeconds: 3600 });
    const pointer = await ensurePointer(stores.store, 'video', Date.now());
    await stores.store.write(
      'video',
      pointer.active,
      ['a', 'b', 'c'].map((id) => ({ kind: 'upsert' as const, id, version: 1, hash: contentHash({ title: id }), record: { title: id } })),
    );
    const env = { FRESHINDEX_INDEX_TABLE: tables.indexTable, FRESHINDEX_CONTROL_TABLE: tables.controlTable, FRESHINDEX_REDIS_URL: redis.server.url };
    const app = buildOpsApp(createOpsDeps(redisConfig, { env, dynamodb: aws.dynamodb, log: { info() {}, error() {} } }));

    // Act
    const response = await app.inject({ method: 'GET', url: '/v1/types/video?count=exact' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json().records.active).toMatchObject({ count: 3, countedBy: 'scan' });
    await app.close();
  });
});
