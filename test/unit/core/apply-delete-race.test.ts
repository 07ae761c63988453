/**
 * A change without a document reads the source. When the source says the resource is gone, its
 * tombstone is dated from what the index held *before* that read: a live applier that re-creates
 * the resource after the read writes a newer version, which a tombstone dated from a later read of
 * the index would equal, and at an equal version a delete wins.
 */
import { describe, expect, it } from 'vitest';
import { applyChanges, type ApplyDeps, type IncomingChange } from '../../../lambdas/core/apply.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import type { Source } from '../../../lambdas/core/ports.ts';
import { toUpsert } from '../../../lambdas/core/transform.ts';
import { MemoryCatchUpLog, MemoryIndex, MemorySource } from '../../support/memory/index.ts';
import { doc, TYPE, videoType } from '../rebuild/support/world.ts';

const ACTIVE = 1;

/** A source whose batched read, once it has answered "gone", lets `meanwhile` run before it returns. */
function racingSource(source: MemorySource, meanwhile: () => Promise<void>): Source {
  return {
    get: (id) => source.get(id),
    scan: (options) => source.scan(options),
    getMany: async (ids) => {
      const found = await source.getMany(ids);
      await meanwhile();
      return found;
    },
  };
}

function world(source: Source, index: MemoryIndex): ApplyDeps {
  return { types: new Map([[TYPE, { config: videoType(), source }]]), pointers: new PointerCache(index, 60_000, Date.now), records: index, catchUp: new MemoryCatchUpLog(), clock: Date.now };
}

const cases: Array<[string, ChangeEvent]> = [
  ['an upsert without a document', { type: TYPE, id: 'r1', op: 'upsert', version: 5 }],
  ['a delete without a version', { type: TYPE, id: 'r1', op: 'delete' }],
];

describe('a change that finds its resource gone at the source, while a live applier re-creates it', () => {
  it.each(cases)('keeps the re-created resource for %s', async (_, change) => {
    // Prepare: r1 is indexed at v5, then deleted at the source. The change's source read answers
    // "gone"; before it returns, the resource is re-created at v6 and a live applier indexes v6.
    const index = new MemoryIndex();
    const type = videoType();
    await index.write(TYPE, ACTIVE, [toUpsert(type, 'r1', doc('r1', 5))]);
    const source = new MemorySource();
    const recreated = doc('r1', 6);
    const deps = world(
      racingSource(source, async () => {
        source.docs.set('r1', recreated);
        await index.write(TYPE, ACTIVE, [toUpsert(type, 'r1', recreated)]);
      }),
      index,
    );
    const incoming: IncomingChange = { key: 'm1', change };

    // Act
    const outcomes = await applyChanges(deps, [incoming]);

    // Assess: the re-created v6 stands; the tombstone was dated v5 and lost to it.
    expect(outcomes.get('m1')).toMatchObject({ status: 'stale', op: 'delete', version: 5 });
    expect((await index.getRecords(TYPE, ACTIVE, ['r1'])).get('r1')).toMatchObject({ version: 6, deleted: false });
  });

  it('fails the delete for redelivery when the index cannot be read before the source, and still applies a found document', async () => {
    // Prepare: r1 is gone at the source, r2 is there; the index's first read fails.
    const index = new MemoryIndex();
    const source = new MemorySource([doc('r2', 3)]);
    let reads = 0;
    const flaky = Object.assign(Object.create(index) as MemoryIndex, {
      getRecords: async (...args: Parameters<MemoryIndex['getRecords']>) => {
        if (reads++ === 0) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException', retryable: true });
        return index.getRecords(...args);
      },
    });
    const deps: ApplyDeps = { ...world(source, index), records: flaky };

    // Act: no time for retries, so the first try's outcomes stand.
    const outcomes = await applyChanges(deps, [
      { key: 'm1', change: { type: TYPE, id: 'r1', op: 'delete' } },
      { key: 'm2', change: { type: TYPE, id: 'r2', op: 'upsert' } },
    ], { remainingMs: () => 0 });

    // Assess
    expect(outcomes.get('m1')).toMatchObject({ status: 'failed' });
    expect(outcomes.get('m2')).toMatchObject({ status: 'applied', version: 3 });
  });
});
