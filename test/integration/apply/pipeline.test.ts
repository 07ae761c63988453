/**
 * Issue #2's end-to-end behaviours, through SNS → SQS → the event-source poller → the apply
 * handler → DynamoDB, with a real HTTP CMS as the source of truth.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { seededRandom } from '../../support/random.ts';
import { cmsSource, startCmsServer, type CmsServer, type Doc } from '../../support/cms-server.ts';
import { startPipeline, type Pipeline } from '../../support/pipeline.ts';

const transform = (doc: Record<string, unknown>) => {
  if (doc['poison'] === true) throw new Error('poisoned document');
  return { title: String(doc['title']).toUpperCase(), tags: (doc['tags'] as string[] | undefined) ?? [] };
};

function videoConfig(cms: CmsServer) {
  return defineConfig({
    types: [{ name: 'video', source: cmsSource(cms), transform, version: (doc) => doc['version'] as number }],
  });
}

const upsert = (id: string, version: number, doc?: Omit<Doc, 'id'>): ChangeEvent => ({
  type: 'video',
  id,
  op: 'upsert',
  version,
  ...(doc ? { doc: { id, version, ...doc } } : {}),
  occurredAt: new Date().toISOString(),
});

describe('incremental updates, end to end', () => {
  let aws: AwsTestEnv;
  let cms: CmsServer;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer({ hangMs: 1_000 });
  });
  afterEach(async () => {
    await pipeline?.stop();
    pipeline = undefined;
    cms.docs.clear();
  });
  afterAll(async () => {
    await cms.stop();
    await aws.stop();
  });

  it('makes a published upsert visible in the index', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    await pipeline.publish(upsert('v1', 1, { title: 'first light' }));
    await pipeline.until(async () => (await pipeline!.read('video', 'v1')) !== undefined);
    expect((await pipeline.read('video', 'v1'))?.record).toEqual({ title: 'FIRST LIGHT', tags: [] });
  });

  it('reads the document from the source when the event carries none', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms), { rawDelivery: true });
    cms.docs.set('v2', { id: 'v2', version: 4, title: 'from the cms', tags: ['a'] });
    await pipeline.publish({ type: 'video', id: 'v2', op: 'upsert' });
    await pipeline.until(async () => (await pipeline!.read('video', 'v2')) !== undefined);
    expect(await pipeline.read('video', 'v2')).toMatchObject({ version: 4, record: { title: 'FROM THE CMS', tags: ['a'] } });
  });

  it('removes a deleted resource, leaving a tombstone', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    await pipeline.publish(upsert('v3', 1, { title: 'doomed' }));
    await pipeline.until(async () => (await pipeline!.read('video', 'v3')) !== undefined);
    await pipeline.publish({ type: 'video', id: 'v3', op: 'delete', version: 2 });
    await pipeline.until(async () => (await pipeline!.read('video', 'v3'))?.deleted === true);
    expect(await pipeline.read('video', 'v3')).toMatchObject({ deleted: true, version: 2 });
  });

  it('treats "not found" at the source as a delete', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    await pipeline.publish(upsert('v4', 3, { title: 'gone soon' }));
    await pipeline.until(async () => (await pipeline!.read('video', 'v4')) !== undefined);
    await pipeline.publish({ type: 'video', id: 'v4', op: 'delete' });
    await pipeline.until(async () => (await pipeline!.read('video', 'v4'))?.deleted === true);
  });

  it('ends in the newest version whatever the order of arrival', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    await pipeline.publish(upsert('v5', 3, { title: 'three' }), upsert('v5', 9, { title: 'nine' }), upsert('v5', 1, { title: 'one' }));
    await pipeline.until(async () => (await pipeline!.read('video', 'v5'))?.version === 9);
    await pipeline.publish(upsert('v5', 4, { title: 'four, late' }));
    await pipeline.until(() => pipeline!.poller.stats().received >= 4);
    await pipeline.until(() => pipeline!.poller.stats().inFlight === 0);
    expect((await pipeline.read('video', 'v5'))?.record).toEqual({ title: 'NINE', tags: [] });
  });

  it('does not resurrect a deleted resource when an older upsert arrives late', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    await pipeline.publish(upsert('v6', 1, { title: 'one' }), { type: 'video', id: 'v6', op: 'delete', version: 5 });
    await pipeline.until(async () => (await pipeline!.read('video', 'v6'))?.deleted === true);
    await pipeline.publish(upsert('v6', 4, { title: 'late' }));
    await pipeline.until(() => pipeline!.poller.stats().succeeded >= 3);
    expect(await pipeline.read('video', 'v6')).toMatchObject({ deleted: true, version: 5 });
  });

  it('dead-letters poison messages with their reason while the rest of the batch applies', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    const poison = [
      '{ not json',
      JSON.stringify({ type: 'podcast', id: 'p1', op: 'upsert', version: 1, doc: { id: 'p1' } }),
      JSON.stringify({ type: 'video', op: 'upsert' }),
      JSON.stringify({ type: 'video', id: 'x', op: 'upsert', version: 'soon', doc: { id: 'x', version: 'soon', title: 't' } }),
      JSON.stringify(upsert('bad', 1, { title: 'x', poison: true })),
    ];
    await pipeline.publish(poison[0] as string, upsert('ok1', 1, { title: 'fine' }), ...poison.slice(1), upsert('ok2', 1, { title: 'also fine' }));
    await pipeline.until(async () => (await pipeline!.read('video', 'ok1')) !== undefined && (await pipeline!.read('video', 'ok2')) !== undefined);
    const letters: Awaited<ReturnType<Pipeline['deadLetters']>> = [];
    await pipeline.until(async () => {
      letters.push(...(await pipeline!.deadLetters()));
      return letters.length >= poison.length;
    });
    const reasons = letters.map((letter) => letter.reason);
    expect(reasons).toHaveLength(poison.length);
    expect(reasons).toEqual(expect.arrayContaining([
      expect.stringMatching(/invalid change event: id: /),
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/transform of video\/bad rejected the document: poisoned document/),
      expect.stringMatching(/invalid change event: version: "soon" is not a version/),
      expect.stringMatching(/unknown resource type "podcast"/),
    ]));
    expect(letters.every((letter) => letter.attributes['originalMessageId'])).toBe(true);
  });

  it('retries a source that times out, then applies once it recovers', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    cms.docs.set('slow', { id: 'slow', version: 2, title: 'worth the wait' });
    cms.fail('slow', 'timeout', 4);
    await pipeline.publish({ type: 'video', id: 'slow', op: 'upsert' });
    await pipeline.until(async () => (await pipeline!.read('video', 'slow')) !== undefined, 30_000);
    expect((await pipeline.read('video', 'slow'))?.record).toEqual({ title: 'WORTH THE WAIT', tags: [] });
    expect(cms.requests('slow')).toBeGreaterThan(4);
    expect(await pipeline.deadLetters()).toEqual([]);
  });

  it('dead-letters a change whose source fails for good, saying why', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms), { maxReceiveCount: 2 });
    cms.docs.set('down', { id: 'down', version: 1, title: 'unreachable' });
    cms.fail('down', 'unavailable', Number.POSITIVE_INFINITY);
    await pipeline.publish({ type: 'video', id: 'down', op: 'upsert' });
    const letters: Awaited<ReturnType<Pipeline['deadLetters']>> = [];
    await pipeline.until(async () => {
      letters.push(...(await pipeline!.deadLetters()));
      return letters.length > 0;
    }, 30_000);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/gave up after 2 deliveries: SourceError: .*503/);
    expect(await pipeline.read('video', 'down')).toBeUndefined();
  });

  it('ends a burst of 2,000 changes over 500 resources with every resource equal to transform(latest source document)', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms), { visibilityTimeoutSeconds: 5 });
    const events: Array<ChangeEvent> = [];
    const next = seededRandom(42);
    const versions = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      const id = `b${Math.floor(next() * 500)}`;
      if (i < 500) {
        versions.set(`b${i}`, 1);
        cms.docs.set(`b${i}`, { id: `b${i}`, version: 1, title: `t${i}-1` });
        events.push(upsert(`b${i}`, 1, { title: `t${i}-1` }));
        continue;
      }
      const version = (versions.get(id) ?? 0) + 1;
      versions.set(id, version);
      const roll = next();
      if (roll < 0.1) {
        cms.docs.delete(id);
        events.push({ type: 'video', id, op: 'delete', version });
      } else {
        const doc = { id, version, title: `${id}-${version}` };
        cms.docs.set(id, doc);
        events.push(roll < 0.6 ? upsert(id, version, { title: doc.title }) : { type: 'video', id, op: 'upsert' });
      }
    }
    // Shuffle within windows of 50 so arrival order differs from edit order, as SQS does.
    for (let start = 0; start < events.length; start += 50) {
      const window = events.slice(start, start + 50).sort(() => next() - 0.5);
      events.splice(start, window.length, ...window);
    }
    await pipeline.publish(...events);
    await pipeline.until(() => pipeline!.poller.stats().succeeded >= 2_000, 90_000);

    const records = await pipeline.runtime.records.getRecords('video', 1, [...versions.keys()]);
    const mismatches = [...versions.keys()].filter((id) => {
      const doc = cms.docs.get(id);
      const stored = records.get(id);
      if (!doc) return stored !== undefined && !stored.deleted;
      return stored?.deleted !== false || JSON.stringify(stored.record) !== JSON.stringify(transform(doc));
    });
    expect(mismatches).toEqual([]);
    expect(records.size).toBe(500);
    expect(await pipeline.deadLetters()).toEqual([]);
  }, 120_000);
});

describe('collapsed deletes', () => {
  let aws: AwsTestEnv;
  let cms: CmsServer;
  let pipeline: Pipeline;

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer();
    pipeline = await startPipeline(aws, videoConfig(cms));
    await pipeline.stop(); // the handler is driven directly below, so both changes share one batch
  });
  afterAll(async () => {
    await cms.stop();
    await aws.stop();
  });

  it('keeps the version of a delete collapsed with a bare upsert, so a late older upsert cannot resurrect it', async () => {
    const { applyChanges } = await import('../../../lambdas/core/apply.ts');
    await applyChanges(pipeline.runtime, [
      { key: 'a', change: upsert('gone', 2, { title: 'two' }) },
    ]);
    await applyChanges(pipeline.runtime, [
      { key: 'b', change: { type: 'video', id: 'gone', op: 'delete', version: 9 } },
      { key: 'c', change: { type: 'video', id: 'gone', op: 'upsert' } },
    ]);
    await applyChanges(pipeline.runtime, [{ key: 'd', change: upsert('gone', 5, { title: 'late' }) }]);

    expect(await pipeline.read('video', 'gone')).toMatchObject({ deleted: true, version: 9 });
  });
});
