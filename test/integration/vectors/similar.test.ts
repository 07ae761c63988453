/**
 * similar() follows the pointer and the rules of the rest of the index, on every store: a flip
 * serves the new generation's vectors, a rollback the old one's, quarantined ids never appear,
 * and an incremental change shows once the journal is read (docs/vectors.md).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../lambdas/core/errors.ts';
import { initialPointer, nextPointer, type Pointer } from '../../../lambdas/core/pointer.ts';
import type { Generation, StoredRecord } from '../../../lambdas/core/records.ts';
import { journalingStore, NoVectorsError, SimilarItems } from '../../../lambdas/core/vectors/index.ts';
import { usearchEngine } from '../../../lambdas/adapters/vectors/usearch.ts';
import { eachBackend, useBackend, type Ports } from '../store/support/backends.ts';

const DIMENSIONS = 8;

/** A vector near axis `axis`, nudged by `nudge` along the next axis. */
const near = (axis: number, nudge: number): Float32Array => {
  const vector = new Float32Array(DIMENSIONS);
  vector[axis] = 1;
  vector[(axis + 1) % DIMENSIONS] = nudge;
  return vector;
};

const stored = (id: string, generation: Generation, vector: Float32Array | undefined, record: Record<string, unknown> = { title: id }): StoredRecord => ({
  type: 'movie', id, generation, version: 1, hash: `h-${id}-${generation}`, deleted: false, writtenAt: 1, record, ...(vector ? { vector } : {}),
});

/** Generation `generation` with `q` on axis `axis`, three near neighbours of it and noise elsewhere. */
const generationOf = (generation: Generation, axis: number, prefix: string): StoredRecord[] => [
  stored('q', generation, near(axis, 0)),
  ...[0.1, 0.2, 0.3].map((nudge, i) => stored(`${prefix}${i + 1}`, generation, near(axis, nudge))),
  ...Array.from({ length: 30 }, (_, i) => stored(`noise${i}`, generation, near((axis + 3 + (i % 4)) % DIMENSIONS, i / 30))),
];

describe.each(eachBackend)('similar items: %s', (_name, start) => {
  const env = useBackend(start);
  let ports: Ports;
  let now: number;
  let similar: SimilarItems;
  let pointer: Pointer;

  const flip = async (change: Partial<Pointer>) => {
    const next = nextPointer(pointer, change, now);
    await ports.store.swapPointer(pointer, next);
    pointer = next;
  };
  const idsSimilarTo = async (id: string, k = 3) => (await similar.similar('movie', id, { k })).map((item) => item.id);

  beforeEach(async () => {
    ports = env.ports;
    now = 1_000_000;
    similar = new SimilarItems(
      { records: ports.store, journal: ports.catchUp, engine: usearchEngine() },
      async (type) => [await ports.store.readPointer(type), new Set((await ports.quarantine.list(type)).map((entry) => entry.id))],
      () => now,
      { refreshMs: 5_000 },
    );
    pointer = initialPointer('movie', now);
    await ports.store.swapPointer(undefined, pointer);
    await ports.store.bulkPut('movie', 1, generationOf(1, 0, 'a'));
  });

  it('serves the new generation after a rebuild flips the pointer, and the old one after a rollback', async () => {
    expect(await idsSimilarTo('q')).toEqual(['a1', 'a2', 'a3']);
    await ports.store.bulkPut('movie', 2, generationOf(2, 4, 'b'));
    await flip({ active: 2, previous: 1, nextGeneration: 3 });
    const afterFlip = await similar.similar('movie', 'q', { k: 3 });
    expect(afterFlip.map((item) => [item.id, item.generation])).toEqual([['b1', 2], ['b2', 2], ['b3', 2]]);
    await flip({ active: 1, previous: 2 });
    expect(await idsSimilarTo('q')).toEqual(['a1', 'a2', 'a3']);
  });

  it('never returns a quarantined item, and still returns k items', async () => {
    await ports.quarantine.add({ type: 'movie', id: 'a1', since: now, differences: 2, lastDifference: 'hash differs', cleanChecks: 0 });
    const ids = await idsSimilarTo('q');
    expect(ids).toEqual(['a2', 'a3', expect.stringMatching(/^noise/)]);
  });

  it('reflects an incremental change once the journal is read, within the refresh interval', async () => {
    const journaled = journalingStore(ports.store, { journal: ports.catchUp, hasVectors: () => true, clock: () => now });
    expect(await idsSimilarTo('q', 1)).toEqual(['a1']);
    await journaled.write('movie', 1, [
      { kind: 'upsert', id: 'fresh', version: 1, hash: 'h-fresh', record: { title: 'fresh' }, vector: near(0, 0.01) },
      { kind: 'delete', id: 'a2', version: 2 },
    ]);
    now += 5_000;
    expect(await idsSimilarTo('q')).toEqual(['fresh', 'a1', 'a3']);
  });

  it('builds the index again from a scan after a long idle spell, seeing a change whose journal entry is long gone', async () => {
    expect(await idsSimilarTo('q', 1)).toEqual(['a1']);
    // Written without a journal entry: as if its entry had expired while the reader sat idle.
    await ports.store.write('movie', 1, [{ kind: 'upsert', id: 'late', version: 1, hash: 'h-late', record: { title: 'late' }, vector: near(0, 0.01) }]);
    now += 31 * 60_000;

    expect(await idsSimilarTo('q', 1)).toEqual(['late']);
  });

  it('leaves out vectors of another length (embed.dimensions changed, no rebuild yet) and refuses a query of one', async () => {
    const journaled = journalingStore(ports.store, { journal: ports.catchUp, hasVectors: () => true, clock: () => now });
    expect(await idsSimilarTo('q', 1)).toEqual(['a1']);
    const longer = new Float32Array(DIMENSIONS * 2);
    longer[0] = 1;
    await journaled.write('movie', 1, [{ kind: 'upsert', id: 'wide', version: 1, hash: 'h-wide', record: { title: 'wide' }, vector: longer }]);
    now += 5_000;

    expect(await idsSimilarTo('q')).toEqual(['a1', 'a2', 'a3']);
    await expect(similar.similar('movie', 'wide')).rejects.toThrow(/has a vector of 16 dimensions and generation 1's index 8: after changing embed.dimensions, rebuild the type/);
  });

  it('applies the caller\'s filter before counting k', async () => {
    const items = await similar.similar('movie', 'q', { k: 2, filter: (record: { title: string }) => record.title !== 'a1' });
    expect(items.map((item) => item.id)).toEqual(['a2', 'a3']);
    expect(items[0]?.distance).toBeLessThan(items[1]?.distance as number);
  });

  it('fetches more candidates until k pass the filter', async () => {
    const farOnly = (record: { title: string }) => /^noise2\d$/.test(record.title);
    const items = await similar.similar('movie', 'q', { k: 10, filter: farOnly });
    expect(items.map((item) => item.id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `noise2${i}`));
    expect(items.every((item) => farOnly(item.record))).toBe(true);
  });

  it('refuses an id the index does not hold and a record without a vector', async () => {
    await expect(similar.similar('movie', 'nobody')).rejects.toBeInstanceOf(NotFoundError);
    await ports.store.bulkPut('movie', 1, [stored('plain', 1, undefined)]);
    await expect(similar.similar('movie', 'plain')).rejects.toBeInstanceOf(NoVectorsError);
  });
});
