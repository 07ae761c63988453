import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { initialPointer } from '../../../lambdas/core/pointer.ts';
import { createReader, sourceFallback } from '../../../lambdas/reader/index.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';
import { useRedis } from '../../support/redis.ts';

const redis = useRedis();
let cms: CmsServer;

beforeAll(async () => {
  cms = await startCmsServer();
});

afterAll(async () => {
  await cms.stop();
});

const configOf = (type: string) => ({
  types: [{ name: type, source: cmsSource(cms), transform: (doc: Record<string, unknown>) => ({ title: doc['title'] }), version: (doc: Record<string, unknown>) => doc['updatedAt'] as number }],
});

describe('sourceFallback', () => {
  it("reads a quarantined resource from the source through the type's transform", async () => {
    const { store, quarantine } = redis.stores;
    await store.swapPointer(undefined, initialPointer('video', Date.now()));
    await store.write('video', 1, [{ kind: 'upsert', id: 'v1', version: 1, hash: contentHash({ title: 'drifted' }), record: { title: 'drifted' } }]);
    for (const id of ['v1', 'gone']) await quarantine.add({ type: 'video', id, since: 0, differences: 3, lastDifference: 'title', cleanChecks: 0 });
    cms.docs.set('v1', { id: 'v1', title: 'Right', updatedAt: 7 });
    const reader = createReader({ store: { type: 'redis' }, redis: redis.client, fallback: sourceFallback(configOf('video')) });

    const results = await reader.getMany('video', ['v1', 'gone']);

    expect(results).toMatchObject([
      { id: 'v1', from: 'fallback', quarantined: true, record: { title: 'Right' } },
      { id: 'gone', from: 'missing', quarantined: true },
    ]);
  });

  it('reads a type nothing was indexed for yet from its source', async () => {
    cms.docs.set('new-1', { id: 'new-1', title: 'New', updatedAt: 1 });
    const reader = createReader({ store: { type: 'redis' }, redis: redis.client, fallback: sourceFallback(configOf('brand-new')) });

    const result = await reader.get('brand-new', 'new-1');

    expect(result).toEqual({ id: 'new-1', record: { title: 'New' }, from: 'fallback', quarantined: false });
  });
});
