import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { runInterleaving } from '../../unit/rebuild/support/interleaving.ts';
import { videoType } from '../../unit/rebuild/support/world.ts';
import { useRedis } from '../../support/redis.ts';
import { createRedisWorld } from './support/redis-world.ts';

describe('rebuild under concurrent changes, on Redis', () => {
  let aws: AwsTestEnv;
  const redis = useRedis();
  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => aws.stop());

  it.each([21, 22])('loses no change and resurrects nothing while changes flow during the build (seed %i)', async (seed) => {
    // Prepare
    const world = await createRedisWorld(aws, redis.stores, videoType({ rebuild: { gate: { countTolerance: 0.1, sampleSize: 20 } } }), 50);

    // Act
    const result = await runInterleaving(world, { seed, initial: 100, deletedBefore: 15, idSpace: 160, lanes: 4, minChanges: 200, changesAfter: 20 });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.changesByPhase.loading).toBeGreaterThan(0);
    expect(result.report.counts.replayed).toBeGreaterThan(0);
    expect(result.report.counts.tombstonesCarried).toBeGreaterThan(0);
  });

  it.each([23])('loses no document on a source paged by offset while inserts and deletes shift its pages (seed %i)', async (seed) => {
    // Prepare
    const world = await createRedisWorld(aws, redis.stores, videoType({ rebuild: { gate: { countTolerance: 0.1, sampleSize: 20 } } }), 50);
    world.source.paging = 'offset';

    // Act
    const result = await runInterleaving(world, { seed, initial: 100, deletedBefore: 15, idSpace: 160, lanes: 4, minChanges: 200, changesAfter: 20 });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.report.reconciliation?.checked).toBeGreaterThan(0);
  });
});
