import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { runInterleaving } from '../../unit/rebuild/support/interleaving.ts';
import { videoType } from '../../unit/rebuild/support/world.ts';
import { createDynamoWorld } from './support/dynamo-world.ts';

/** The seeds of the interleaving runs on DynamoDB (FRESHINDEX_INTERLEAVING_SEEDS, comma-separated; default 11,12). */
const SEEDS = (process.env['FRESHINDEX_INTERLEAVING_SEEDS'] ?? '11,12').split(',').map(Number);

describe('rebuild under concurrent changes, on DynamoDB', () => {
  let aws: AwsTestEnv;
  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => aws.stop());

  it.each(SEEDS)('loses no change and resurrects nothing while changes flow during the build (seed %i)', async (seed) => {
    // Prepare
    // Changes in flight while the gate counts are a larger share of a small type: a wider tolerance.
    const world = await createDynamoWorld(aws, videoType({ rebuild: { gate: { countTolerance: 0.1, sampleSize: 20 } } }), 50);

    // Act
    const result = await runInterleaving(world, { seed, initial: 100, deletedBefore: 15, idSpace: 160, lanes: 4, minChanges: 200, changesAfter: 20 });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.changes).toBeGreaterThanOrEqual(200);
    expect(result.changesByPhase.loading).toBeGreaterThan(0);
    expect(result.report.counts.replayed).toBeGreaterThan(0);
    expect(result.report.counts.tombstonesCarried).toBeGreaterThan(0);
  });

  it.each([13])('loses no document on a source paged by offset while inserts and deletes shift its pages (seed %i)', async (seed) => {
    // Prepare
    const world = await createDynamoWorld(aws, videoType({ rebuild: { gate: { countTolerance: 0.1, sampleSize: 20 } } }), 50);
    world.source.paging = 'offset';

    // Act
    const result = await runInterleaving(world, { seed, initial: 100, deletedBefore: 15, idSpace: 160, lanes: 4, minChanges: 200, changesAfter: 20 });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.changesByPhase.loading).toBeGreaterThan(0);
    expect(result.report.reconciliation?.checked).toBeGreaterThan(0);
  });
});
