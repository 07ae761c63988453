/**
 * A change without a document reads the source. When the source says the resource is gone, its
 * tombstone is dated from what the index held *before* that read: a live applier that re-creates
 * the resource after the read writes a newer version, which a tombstone dated from a later read of
 * the index would equal, and at an equal version a delete wins.
 */
import { describe, expect, it } from 'vitest';
import { applyChanges, type ApplyDeps, type IncomingChange } from '../../../lambdas/core/apply.ts';
import { StoreError } from '../../../lambdas/core/errors.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import { nextPointer, type Pointer } from '../../../lambdas/core/pointer.ts';
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

  it('keeps the re-created resource in both generations when a build opens while the source is read', async () => {
    // Prepare: the applier's cached pointer names generation 1 only. While its source read answers
    // "gone", a build opens generation 2, another applier indexes the re-created v6 in both, and
    // the cached pointer expires: the write that follows names generations 1 and 2.
    const index = new MemoryIndex();
    const type = videoType();
    await index.write(TYPE, ACTIVE, [toUpsert(type, 'r1', doc('r1', 5))]);
    let now = 0;
    const source = new MemorySource();
    let raced = false;
    const racing = racingSource(source, async () => {
      if (raced) return;
      raced = true;
      const recreated = doc('r1', 6);
      source.docs.set('r1', recreated);
      const pointer = (await index.readPointer(TYPE)) as Pointer;
      await index.swapPointer(pointer, nextPointer(pointer, { building: { generation: 2, buildId: 'b', startedAt: now }, nextGeneration: 3 }, now));
      await index.write(TYPE, ACTIVE, [toUpsert(type, 'r1', recreated)]);
      await index.write(TYPE, 2, [toUpsert(type, 'r1', recreated)]);
      now += 120_000;
    });
    const deps: ApplyDeps = { ...world(racing, index), pointers: new PointerCache(index, 60_000, () => now) };

    // Act
    const outcomes = await applyChanges(deps, [{ key: 'm1', change: { type: TYPE, id: 'r1', op: 'delete' } }], { sleep: async () => {} });

    // Assess: the first try's tombstone had no reading of generation 2 from before the source
    // read, so it was tried again, in order; the retry found v6 at the source.
    expect(outcomes.get('m1')).toMatchObject({ status: 'unchanged', version: 6 });
    for (const generation of [ACTIVE, 2]) expect((await index.getRecords(TYPE, generation, ['r1'])).get('r1')).toMatchObject({ version: 6, deleted: false });
  });

  it('fails the delete for redelivery when the index cannot be read before the source, and still applies a found document', async () => {
    // Prepare: r1 is gone at the source, r2 is there; the index's first read fails.
    const index = new MemoryIndex();
    const source = new MemorySource([doc('r2', 3)]);
    const calls: string[] = [];
    const flaky = Object.assign(Object.create(index) as MemoryIndex, {
      getRecords: async (...args: Parameters<MemoryIndex['getRecords']>) => {
        calls.push('index');
        if (calls.filter((call) => call === 'index').length === 1) throw new StoreError('throttled', { retryable: true });
        return index.getRecords(...args);
      },
    });
    const deps: ApplyDeps = { ...world(racingSource(source, async () => void calls.push('source')), index), records: flaky };

    // Act: no time for retries, so the first try's outcomes stand.
    const outcomes = await applyChanges(deps, [
      { key: 'm1', change: { type: TYPE, id: 'r1', op: 'delete' } },
      { key: 'm2', change: { type: TYPE, id: 'r2', op: 'upsert' } },
    ], { remainingMs: () => 0 });

    // Assess: the failed read was the one before the source's.
    expect(calls).toEqual(['index', 'source']);
    expect(outcomes.get('m1')).toMatchObject({ status: 'failed' });
    expect(outcomes.get('m2')).toMatchObject({ status: 'applied', version: 3 });
  });
});
