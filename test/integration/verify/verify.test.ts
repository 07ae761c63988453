/**
 * Issue #4's checker behaviours, on the real verify handler, the real DynamoDB and SNS/SQS
 * adapters and a real HTTP CMS as the source of truth.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';
import { startVerifyWorld, type VerifyWorld } from './harness.ts';

const change = (id: string) => ({ type: 'video', id, op: 'upsert' as const });

describe('the delayed check after each change', () => {
  let aws: AwsTestEnv;
  let cms: CmsServer;
  let drifting = false;
  let calls = 0;
  const transform = (doc: Record<string, unknown>) => ({ title: String(doc['title']), ...(drifting ? { drift: ++calls } : {}) });
  const config = (overrides: Record<string, unknown> = {}) =>
    defineConfig({
      types: [
        {
          name: 'video',
          source: cmsSource(cms),
          transform,
          version: (doc) => doc['version'] as number,
          settleDelaySeconds: 0,
          quarantineThreshold: 3,
          releaseAfterCleanChecks: 2,
          ...overrides,
        },
      ],
    });
  const seed = async (world: VerifyWorld, id: string, title: string) => {
    cms.docs.set(id, { id, version: 1, title });
    const record = { title };
    await world.runtime.records.write('video', (await world.runtime.pointers.get('video')).active, [
      { kind: 'upsert', id, version: 1, hash: contentHash(record), record },
    ]);
  };

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer({ hangMs: 500 });
  });
  afterEach(() => {
    cms.docs.clear();
    drifting = false;
  });
  afterAll(async () => {
    await cms.stop();
    await aws.stop();
  });

  it('detects a record corrupted directly in the index after the settle time and repairs it', async () => {
    const world = await startVerifyWorld(aws, config({ settleDelaySeconds: 1 }));
    await seed(world, 'v1', 'first light');
    await world.putRaw('video', 'v1', { version: 1, hash: contentHash({ title: 'first light' }), record: { title: 'vandalised' } });

    await world.publish(change('v1'));
    await world.runUntil(async () => (await world.counters.get('video', 'v1')) !== undefined);

    expect((await world.read('video', 'v1'))?.record).toEqual({ title: 'first light' });
  });

  it('puts a message that arrives before its settle time back for the remaining time, unchecked', async () => {
    const world = await startVerifyWorld(aws, config({ settleDelaySeconds: 30 }));
    await seed(world, 'v2', 'second wind');
    await world.putRaw('video', 'v2', { version: 1, hash: 'x', record: { title: 'vandalised' } });
    await world.publish(change('v2'));

    const handled = await world.runOnce(5);

    expect(handled).toHaveLength(1);
    expect((await world.read('video', 'v2'))?.record).toEqual({ title: 'vandalised' });
    expect(await world.delayedMessages()).toBe(1);
  });

  it('drives a resource whose transform disagrees on every check into quarantine with exactly one alert', async () => {
    const world = await startVerifyWorld(aws, config());
    await seed(world, 'v3', 'third eye');
    drifting = true;

    await world.publish(change('v3'));
    await world.runUntil(async () => (await world.runtime.quarantine.get('video', 'v3')) !== undefined);
    await world.publish(change('v3'));
    await world.publish(change('v3'));
    await world.runUntil(async () => ((await world.counters.get('video', 'v3'))?.recent.length ?? 0) >= 5);

    const alerts = await world.alerts(2);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'resource-quarantined', type: 'video', id: 'v3', details: { differences: 3 } });
  });

  it('releases a quarantined resource after the configured clean checks', async () => {
    const world = await startVerifyWorld(aws, config());
    await seed(world, 'v4', 'fourth wall');
    await world.runtime.quarantine.add({ type: 'video', id: 'v4', since: Date.now(), differences: 3, lastDifference: 'test', cleanChecks: 0 });

    await world.publish(change('v4'));
    await world.runUntil(async () => (await world.runtime.quarantine.get('video', 'v4')) === undefined);

    expect(await world.counters.get('video', 'v4')).toBeUndefined();
  });

  it('sends a message that is not a change event to the verify dead-letter queue with its reason', async () => {
    const world = await startVerifyWorld(aws, config());
    await world.publish({ type: 'video', id: '', op: 'upsert' });

    await world.runOnce(5);

    const [dead] = await world.drain(world.dlqUrl);
    expect(dead?.MessageAttributes?.['reason']?.StringValue).toMatch(/id/);
  });
});
