/**
 * The rebuild job on a Redis deployment (issue #9): everything — index, pointer, lease, build
 * records, reservations — lives in Valkey, and the job needs no DynamoDB table variable.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStores } from '../../../lambdas/adapters/redis/index.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { EXIT, runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startRedis, type RedisTestServer } from '../../support/redis.ts';
import { startDocumentCms, type DocumentCms } from './support/cms.ts';
import { createInbox } from './support/topics.ts';

describe('the rebuild job on a Redis deployment', () => {
  let aws: AwsTestEnv;
  let redis: RedisTestServer;
  let cms: DocumentCms;
  let stores: RedisStores;
  const keyPrefix = 'job:';

  beforeAll(async () => {
    aws = await startAws();
    redis = await startRedis();
    cms = await startDocumentCms();
    for (let i = 0; i < 60; i++) cms.docs.set(`v${i}`, { id: `v${i}`, v: 1, title: `title v${i}` });
    stores = createRedisStores({ url: redis.url, keyPrefix, tombstoneTtlSeconds: 3600 });
  });
  afterAll(async () => {
    await stores.close();
    await cms.close();
    await redis.stop();
    await aws.stop();
  });

  it('rebuilds a type, flips it live and stores its report, all in Valkey', async () => {
    // Prepare
    const config: FreshindexConfigInput = {
      pointerCacheSeconds: 1,
      store: { type: 'redis', keyPrefix },
      types: [{ name: 'video', source: cms.sourceConfig(), transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['v'] as number }],
    };
    const notifications = await createInbox(aws, 'notifications');
    const env = {
      FRESHINDEX_REDIS_URL: redis.url,
      FRESHINDEX_NOTIFICATIONS_TOPIC_ARN: notifications.topicArn,
      FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '50',
      FRESHINDEX_REBUILD_LEASE_SECONDS: '5',
    };

    // Act
    const exitCode = await runJob(config, ['rebuild', '--type', 'video'], env, { sns: aws.sns, logger: new Logger({ serviceName: 'test-rebuild', logLevel: 'SILENT' }) });

    // Assess
    expect(await stores.builds.latest('video')).toMatchObject({ status: 'succeeded', report: { counts: { scanned: 60, loaded: 60 } } });
    expect(exitCode).toBe(EXIT.ok);
    expect(await stores.store.readPointer('video')).toMatchObject({ active: 2, previous: 1 });
    expect((await stores.store.getRecords('video', 2, ['v7'])).get('v7')).toMatchObject({ version: 1, record: { title: 'title v7' } });
    expect(await stores.builds.read('video')).toBeUndefined();
  });
});
