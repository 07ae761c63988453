/**
 * A change without a document reads the source. When the source says the resource is gone, its
 * tombstone is dated from what the index held *before* the source said so: the applier reads the
 * index, then asks the source again. A live applier that re-creates the resource after that answer
 * writes a newer version, which a tombstone dated from a later read of the index would equal, and
 * at an equal version a delete wins.
 */
import { describe, expect, it } from 'vitest';
import { applyChanges, type ApplyDeps } from '../../../lambdas/core/apply.ts';
import { SourceError, StoreError } from '../../../lambdas/core/errors.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import { nextPointer, type Pointer } from '../../../lambdas/core/pointer.ts';
import type { Source } from '../../../lambdas/core/ports.ts';
import { toUpsert } from '../../../lambdas/core/transform.ts';
import { MemoryCatchUpLog, MemoryIndex, MemorySource } from '../../support/memory/index.ts';
import { doc, TYPE, videoType } from '../rebuild/support/world.ts';

const ACTIVE = 1;
const type = videoType();

/** A source whose `at`-th batched read (1 = the first), once it has answered, lets `meanwhile` run before it returns. */
function racingSource(source: MemorySource, at: number, meanwhile: () => Promise<void>, calls: string[] = []): Source {
  let reads = 0;
  return {
    get: (id) => source.get(id),
    scan: (options) => source.scan(options),
    getMany: async (ids) => {
      calls.push('source');
      const found = await source.getMany(ids);
      if (++reads === at) await meanwhile();
      return found;
    },
  };
}

function world(source: Source, index: MemoryIndex, clock: () => number = Date.now): ApplyDeps {
  return { types: new Map([[TYPE, { config: type, source }]]), pointers: new PointerCache(index, 60_000, clock), records: index, catchUp: new MemoryCatchUpLog(), clock };
}

/** r1 indexed at v5 and gone at the source; `recreate()` brings it back at v6 at the source and in `generations`. */
async function deletedR1(): Promise<{ index: MemoryIndex; source: MemorySource; recreate: (generations?: number[]) => Promise<void> }> {
  const index = new MemoryIndex();
  await index.write(TYPE, ACTIVE, [toUpsert(type, 'r1', doc('r1', 5))]);
  const source = new MemorySource();
  const recreate = async (generations = [ACTIVE]) => {
    source.docs.set('r1', doc('r1', 6));
    for (const generation of generations) await index.write(TYPE, generation, [toUpsert(type, 'r1', doc('r1', 6))]);
  };
  return { index, source, recreate };
}

const changes: Array<[string, ChangeEvent]> = [
  ['an upsert without a document', { type: TYPE, id: 'r1', op: 'upsert', version: 5 }],
  ['a delete without a version', { type: TYPE, id: 'r1', op: 'delete' }],
];

describe('a change that finds its resource gone at the source, while a live applier re-creates it', () => {
  it.each(changes)('keeps the re-created resource for %s, re-created as the confirming source read answers "gone"', async (_, change) => {
    // Prepare: the first source read says gone, the index says v5, and as the second source read
    // answers "gone" too, r1 is re-created and indexed at v6.
    const { index, source, recreate } = await deletedR1();
    const deps = world(racingSource(source, 2, () => recreate()), index);

    // Act
    const outcomes = await applyChanges(deps, [{ key: 'm1', change }]);

    // Assess: the tombstone was dated v5 and lost to the re-created v6, which stands.
    expect(outcomes.get('m1')).toMatchObject({ status: 'stale', op: 'delete', version: 5 });
    expect((await index.getRecords(TYPE, ACTIVE, ['r1'])).get('r1')).toMatchObject({ version: 6, deleted: false });
  });

  it.each(changes)('applies the re-created document for %s, re-created as the first source read answers "gone"', async (_, change) => {
    // Prepare: as the first source read answers "gone", r1 is re-created and indexed at v6.
    const { index, source, recreate } = await deletedR1();
    const deps = world(racingSource(source, 1, () => recreate()), index);

    // Act
    const outcomes = await applyChanges(deps, [{ key: 'm1', change }]);

    // Assess: the second source read found it; nothing was tombstoned.
    expect(outcomes.get('m1')).toMatchObject({ status: 'unchanged', op: 'upsert', version: 6 });
    expect((await index.getRecords(TYPE, ACTIVE, ['r1'])).get('r1')).toMatchObject({ version: 6, deleted: false });
  });

  it('keeps the re-created resource in both generations when a build opens while the source confirms "gone"', async () => {
    // Prepare: the applier's cached pointer names generation 1 only, and the index read names 1.
    // As the confirming source read answers "gone", a build opens generation 2, another applier
    // indexes the re-created v6 in both, and the cached pointer expires: the writes would go to 1 and 2.
    const { index, source, recreate } = await deletedR1();
    let now = 0;
    const racing = racingSource(source, 2, async () => {
      const pointer = (await index.readPointer(TYPE)) as Pointer;
      await index.swapPointer(pointer, nextPointer(pointer, { building: { generation: 2, buildId: 'b', startedAt: now }, nextGeneration: 3 }, now));
      await recreate([ACTIVE, 2]);
      now += 120_000;
    });
    const deps = world(racing, index, () => now);

    // Act
    const outcomes = await applyChanges(deps, [{ key: 'm1', change: { type: TYPE, id: 'r1', op: 'delete' } }], { sleep: async () => {} });

    // Assess: the first try had no reading of generation 2 from before the source's answer, so it
    // was tried again, in order; the retry found v6 at the source.
    expect(outcomes.get('m1')).toMatchObject({ status: 'unchanged', version: 6 });
    for (const generation of [ACTIVE, 2]) expect((await index.getRecords(TYPE, generation, ['r1'])).get('r1')).toMatchObject({ version: 6, deleted: false });
  });

  it('reads the index only for the ids the source says are gone, and the source again for those', async () => {
    // Prepare: r1 gone, r2 there.
    const { index, source } = await deletedR1();
    source.docs.set('r2', doc('r2', 3));
    const calls: string[] = [];
    const read: string[][] = [];
    const counting = Object.assign(Object.create(index) as MemoryIndex, {
      getRecords: async (...args: Parameters<MemoryIndex['getRecords']>) => {
        calls.push('index');
        read.push([...args[2]]);
        return index.getRecords(...args);
      },
    });
    const deps: ApplyDeps = { ...world(racingSource(source, 0, async () => {}, calls), index), records: counting };

    // Act
    const outcomes = await applyChanges(deps, [
      { key: 'm1', change: { type: TYPE, id: 'r1', op: 'delete' } },
      { key: 'm2', change: { type: TYPE, id: 'r2', op: 'upsert' } },
    ]);

    // Assess
    expect(calls).toEqual(['source', 'index', 'source']);
    expect(read).toEqual([['r1']]);
    expect(outcomes.get('m1')).toMatchObject({ status: 'applied', op: 'delete', version: 5 });
    expect(outcomes.get('m2')).toMatchObject({ status: 'applied', version: 3 });
  });

  it('fails the delete for redelivery, tombstoning nothing, when the confirming source read fails', async () => {
    // Prepare: r1 is gone at the source; the source's second read fails.
    const { index, source } = await deletedR1();
    let reads = 0;
    const flaky: Source = {
      get: (id) => source.get(id),
      scan: (options) => source.scan(options),
      getMany: async (ids) => {
        if (++reads === 2) throw new SourceError('CMS answered 503', { retryable: true });
        return source.getMany(ids);
      },
    };

    // Act: no time for retries.
    const outcomes = await applyChanges(world(flaky, index), [{ key: 'm1', change: { type: TYPE, id: 'r1', op: 'delete' } }], { remainingMs: () => 0 });

    // Assess
    expect(outcomes.get('m1')).toMatchObject({ status: 'failed' });
    expect((await index.getRecords(TYPE, ACTIVE, ['r1'])).get('r1')).toMatchObject({ version: 5, deleted: false });
  });

  it('fails the delete for redelivery when the index cannot be read, and still applies a found document', async () => {
    // Prepare: r1 is gone at the source, r2 is there; the index read fails.
    const { index, source } = await deletedR1();
    source.docs.set('r2', doc('r2', 3));
    const failing = Object.assign(Object.create(index) as MemoryIndex, {
      getRecords: async () => {
        throw new StoreError('throttled', { retryable: true });
      },
    });
    const deps: ApplyDeps = { ...world(source, index), records: failing };

    // Act: no time for retries, so the first try's outcomes stand.
    const outcomes = await applyChanges(deps, [
      { key: 'm1', change: { type: TYPE, id: 'r1', op: 'delete' } },
      { key: 'm2', change: { type: TYPE, id: 'r2', op: 'upsert' } },
    ], { remainingMs: () => 0 });

    // Assess
    expect(outcomes.get('m1')).toMatchObject({ status: 'failed' });
    expect(outcomes.get('m2')).toMatchObject({ status: 'applied', version: 3 });
    expect((await index.getRecords(TYPE, ACTIVE, ['r1'])).get('r1')).toMatchObject({ version: 5, deleted: false });
  });
});
