/** The incremental path with the index on Redis/Valkey instead of DynamoDB (config `store: { type: 'redis' }`). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';
import { startPipeline, type Pipeline } from '../../support/pipeline.ts';
import { startRedis, type RedisTestServer } from '../../support/redis.ts';

describe('incremental updates on a Redis index', () => {
  let aws: AwsTestEnv;
  let cms: CmsServer;
  let redis: RedisTestServer;
  let pipeline: Pipeline;

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer();
    redis = await startRedis();
    const config = defineConfig({
      store: { type: 'redis', keyPrefix: 'pipeline:' },
      types: [{ name: 'video', source: cmsSource(cms), transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['version'] as number }],
    });
    pipeline = await startPipeline(aws, config, { redisUrl: redis.url });
  });
  afterAll(async () => {
    await pipeline.stop();
    await redis.stop();
    await cms.stop();
    await aws.stop();
  });

  it('applies upserts and deletes, version-guarded, to the Redis index', async () => {
    cms.docs.set('r1', { id: 'r1', version: 3, title: 'from the cms' });
    await pipeline.publish(
      { type: 'video', id: 'r1', op: 'upsert' },
      { type: 'video', id: 'r2', op: 'upsert', version: 2, doc: { id: 'r2', version: 2, title: 'two' } },
      { type: 'video', id: 'r2', op: 'delete', version: 5 },
    );
    await pipeline.until(async () => (await pipeline.read('video', 'r1')) !== undefined && (await pipeline.read('video', 'r2'))?.deleted === true);
    await pipeline.publish({ type: 'video', id: 'r2', op: 'upsert', version: 4, doc: { id: 'r2', version: 4, title: 'late' } });
    await pipeline.until(() => pipeline.poller.stats().succeeded >= 4);

    expect(await pipeline.read('video', 'r1')).toMatchObject({ version: 3, record: { title: 'from the cms' } });
    expect(await pipeline.read('video', 'r2')).toMatchObject({ deleted: true, version: 5 });
  });
});
