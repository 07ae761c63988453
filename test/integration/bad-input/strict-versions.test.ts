/**
 * Issue 8, point 3, end to end (SNS → SQS → event source → apply handler → DynamoDB): a version
 * that is not a version is dead-lettered with a reason naming the field, and never applied,
 * ignored or turned into a tombstone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';
import { startPipeline, type DeadLetter, type Pipeline } from '../../support/pipeline.ts';

function videoConfig(cms: CmsServer) {
  return defineConfig({
    types: [{ name: 'video', source: cmsSource(cms), transform: (doc) => ({ title: String(doc['title']) }), version: (doc) => doc['version'] as number }],
  });
}

describe('strict versions through the apply path', () => {
  let aws: AwsTestEnv;
  let cms: CmsServer;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer();
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

  const lettersUntil = async (count: number): Promise<DeadLetter[]> => {
    const letters: DeadLetter[] = [];
    await pipeline!.until(async () => {
      letters.push(...(await pipeline!.deadLetters()));
      return letters.length >= count;
    });
    return letters;
  };

  it('leaves a live resource alone when a delete carries a version that is not a version', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    cms.docs.set('v1', { id: 'v1', version: 1, title: 'alive' });
    await pipeline.publish({ type: 'video', id: 'v1', op: 'upsert', version: 1, doc: { id: 'v1', version: 1, title: 'alive' } });
    await pipeline.until(async () => (await pipeline!.read('video', 'v1')) !== undefined);

    await pipeline.publish({ type: 'video', id: 'v1', op: 'delete', version: 'abc' }, { type: 'video', id: 'v1', op: 'delete', version: 'yesterday-ish' });
    const letters = await lettersUntil(2);

    expect(letters.map((letter) => letter.reason).sort()).toEqual([
      expect.stringMatching(/^invalid change event: version: "abc" is not a version/),
      expect.stringMatching(/^invalid change event: version: "yesterday-ish" is not a version/),
    ]);
    expect(await pipeline.read('video', 'v1')).toMatchObject({ deleted: false, version: 1, record: { title: 'alive' } });
  });

  it('dead-letters an upsert whose version is not a version instead of applying its document', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    await pipeline.publish({ type: 'video', id: 'v2', op: 'upsert', version: 'soon-ish', doc: { id: 'v2', version: 2, title: 'unversioned' } });
    const letters = await lettersUntil(1);

    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/^invalid change event: version: "soon-ish" is not a version/);
    expect(letters[0]?.attributes['originalMessageId']).toBeTruthy();
    expect(await pipeline.read('video', 'v2')).toBeUndefined();
  });

  it('dead-letters a document whose version(doc) is not a version, naming version(doc)', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    cms.docs.set('v3', { id: 'v3', version: 'November 21, 2026', title: 'dated in prose' });
    await pipeline.publish({ type: 'video', id: 'v3', op: 'upsert' });
    const letters = await lettersUntil(1);

    expect(letters[0]?.reason).toMatch(/^TransformError: transform of video\/v3 rejected the document: version\(doc\): "November 21, 2026" is not a version/);
    expect(await pipeline.read('video', 'v3')).toBeUndefined();
  });

  it('applies nine good upserts and dead-letters the one whose version is past 2^53', async () => {
    pipeline = await startPipeline(aws, videoConfig(cms));
    const good = Array.from({ length: 9 }, (_, i) => ({ type: 'video', id: `g${i}`, op: 'upsert' as const, version: 1, doc: { id: `g${i}`, version: 1, title: `good ${i}` } }));
    await pipeline.publish(...good.slice(0, 4), { type: 'video', id: 'huge', op: 'upsert', version: 2 ** 60, doc: { id: 'huge', version: 1, title: 'too new' } }, ...good.slice(4));
    const letters = await lettersUntil(1);
    await pipeline.until(async () => (await Promise.all(good.map((change) => pipeline!.read('video', change.id)))).every(Boolean));

    expect(letters.map((letter) => letter.reason)).toEqual([expect.stringMatching(/^invalid change event: version: 1152921504606847000 is past 2\^53 - 1/)]);
    expect(await pipeline.read('video', 'huge')).toBeUndefined();
  });
});
