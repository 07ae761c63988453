import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { initialPointer, nextPointer, type Pointer } from '../../../lambdas/core/pointer.ts';
import type { RecordWrite } from '../../../lambdas/core/records.ts';
import { readerBackends, type ReaderWorld } from './support/backends.ts';

const upsert = (id: string, version: number, record: unknown): RecordWrite => ({ kind: 'upsert', id, version, hash: contentHash(record), record });

/** A fallback answering `{ v: 'source' }` for every id but `unknown`, remembering what it was asked. */
function recordingFallback() {
  const asked: string[][] = [];
  const fallback = async (_type: string, ids: readonly string[]) => {
    asked.push([...ids]);
    return new Map(ids.filter((id) => id !== 'unknown').map((id) => [id, { v: 'source' }]));
  };
  return { asked, fallback };
}

let typeSeq = 0;
const freshType = () => `t${++typeSeq}`;

describe.each(readerBackends)('reader on $name', ({ use }) => {
  const world: ReaderWorld = use();

  /** A fresh type whose active generation 1 holds `records`. */
  async function indexedType(records: Record<string, unknown>): Promise<{ type: string; pointer: Pointer }> {
    const type = freshType();
    const pointer = initialPointer(type, Date.now());
    await world.index.swapPointer(undefined, pointer);
    await world.index.write(type, 1, Object.entries(records).map(([id, record]) => upsert(id, 1, record)));
    return { type, pointer };
  }

  async function quarantineIds(type: string, ...ids: string[]): Promise<void> {
    for (const id of ids) await world.quarantine.add({ type, id, since: Date.now(), differences: 3, lastDifference: 'content differs', cleanChecks: 0 });
  }

  it('returns one result per requested id, in request order, repeats and unknown ids included', async () => {
    const records = Object.fromEntries(Array.from({ length: 230 }, (_, i) => [`r${i}`, { n: i }]));
    const { type } = await indexedType(records);
    const ids = [...Object.keys(records).reverse(), 'nope', 'r5', 'r5'];

    const results = await world.reader().getMany(type, ids);

    expect(results.map((result) => result.id)).toEqual(ids);
    expect(results.slice(0, 230).map((result) => result.record)).toEqual(Object.values(records).reverse());
    expect(results.at(-3)).toMatchObject({ id: 'nope', from: 'missing', record: undefined });
    expect(results.slice(-2).map((result) => [result.from, result.record])).toEqual([['index', { n: 5 }], ['index', { n: 5 }]]);
  });

  it('reads one resource with its version and generation', async () => {
    const { type } = await indexedType({ a: { title: 'A' } });

    const result = await world.reader().get(type, 'a');

    expect(result).toEqual({ id: 'a', record: { title: 'A' }, from: 'index', quarantined: false, version: 1, generation: 1 });
  });

  it('reads a tombstone as missing, alone and in a batch', async () => {
    const { type } = await indexedType({ a: { title: 'A' }, b: { title: 'B' } });
    await world.index.write(type, 1, [{ kind: 'delete', id: 'a', version: 2 }]);
    const reader = world.reader();

    const one = await reader.get(type, 'a');
    const many = await reader.getMany(type, ['a', 'b']);

    expect(one).toMatchObject({ from: 'missing', record: undefined });
    expect(many.map((result) => result.from)).toEqual(['missing', 'index']);
  });

  it('answers missing for a type that was never indexed, without creating its pointer', async () => {
    const type = freshType();

    const result = await world.reader().get(type, 'a');

    expect(result).toEqual({ id: 'a', record: undefined, from: 'missing', quarantined: false });
    expect(await world.index.readPointer(type)).toBeUndefined();
  });

  it('reads every id of a type without a pointer from the fallback', async () => {
    const type = freshType();
    const { asked, fallback } = recordingFallback();

    const results = await world.reader({ fallback }).getMany(type, ['a', 'unknown', 'a']);

    expect(results).toEqual([
      { id: 'a', record: { v: 'source' }, from: 'fallback', quarantined: false },
      { id: 'unknown', record: undefined, from: 'missing', quarantined: false },
      { id: 'a', record: { v: 'source' }, from: 'fallback', quarantined: false },
    ]);
    expect(asked).toEqual([['a', 'unknown']]);
    expect(await world.index.readPointer(type)).toBeUndefined();
  });

  it('never reads the building generation, in a batch or alone', async () => {
    const { type, pointer } = await indexedType({ a: { gen: 1 } });
    await world.index.swapPointer(pointer, nextPointer(pointer, { building: { generation: 2, buildId: 'b1', startedAt: Date.now() }, nextGeneration: 3 }, Date.now()));
    await world.index.write(type, 2, [upsert('a', 2, { gen: 2 }), upsert('new', 1, { gen: 2 })]);
    const reader = world.reader();

    const many = await reader.getMany(type, ['a', 'new']);
    const one = await reader.get(type, 'new');

    expect(many.map((result) => [result.from, result.record, result.generation])).toEqual([['index', { gen: 1 }, 1], ['missing', undefined, 1]]);
    expect(one.from).toBe('missing');
  });

  it('sees a pointer flip once its cached pointer has expired, and not before', async () => {
    const { type, pointer } = await indexedType({ a: { gen: 1 } });
    await world.index.write(type, 2, [upsert('a', 2, { gen: 2 })]);
    let now = 1_000_000;
    const reader = world.reader({ pointerCacheMs: 5_000, clock: () => now });
    await reader.get(type, 'a');

    await world.index.swapPointer(pointer, nextPointer(pointer, { active: 2, previous: 1, nextGeneration: 3 }, Date.now()));
    const beforeExpiry = await reader.get(type, 'a');
    now += 5_000;
    const afterExpiry = await reader.get(type, 'a');

    expect([beforeExpiry.record, beforeExpiry.generation]).toEqual([{ gen: 1 }, 1]);
    expect([afterExpiry.record, afterExpiry.generation]).toEqual([{ gen: 2 }, 2]);
  });

  it('serves quarantined ids from the fallback, asking it for those only, and says so', async () => {
    const { type } = await indexedType({ a: { v: 'index' }, b: { v: 'index' } });
    await quarantineIds(type, 'b');
    const { asked, fallback } = recordingFallback();

    const results = await world.reader({ fallback }).getMany(type, ['a', 'b']);

    expect(results).toEqual([
      { id: 'a', record: { v: 'index' }, from: 'index', quarantined: false, version: 1, generation: 1 },
      { id: 'b', record: { v: 'source' }, from: 'fallback', quarantined: true, generation: 1 },
    ]);
    expect(asked).toEqual([['b']]);
  });

  it('reads a quarantined id the fallback does not know as missing, not from the untrusted index', async () => {
    const { type } = await indexedType({ unknown: { v: 'index' } });
    await quarantineIds(type, 'unknown');

    const result = await world.reader({ fallback: recordingFallback().fallback }).get(type, 'unknown');

    expect(result).toMatchObject({ from: 'missing', quarantined: true, record: undefined });
  });

  it('serves the index record, flagged quarantined, when the fallback fails', async () => {
    const { type } = await indexedType({ a: { v: 'index' }, b: { v: 'index' } });
    await quarantineIds(type, 'a');
    const errors: Array<{ ids: readonly string[] }> = [];
    const reader = world.reader({
      fallback: async () => {
        throw new Error('source down');
      },
      onFallbackError: (_error, context) => errors.push(context),
    });

    const results = await reader.getMany(type, ['a', 'b']);

    expect(results).toMatchObject([
      { from: 'index', quarantined: true, record: { v: 'index' } },
      { from: 'index', quarantined: false, record: { v: 'index' } },
    ]);
    expect(errors.map((context) => context.ids)).toEqual([['a']]);
  });

  it('reads quarantined ids from the index, flagged, when no fallback is configured', async () => {
    const { type } = await indexedType({ a: { v: 'index' } });
    await quarantineIds(type, 'a');

    const result = await world.reader().get(type, 'a');

    expect(result).toMatchObject({ from: 'index', quarantined: true, record: { v: 'index' } });
  });

  it('keeps serving a released resource from the fallback until the quarantine cache expires', async () => {
    const { type } = await indexedType({ a: { v: 'index' } });
    await quarantineIds(type, 'a');
    let now = 0;
    const reader = world.reader({ fallback: recordingFallback().fallback, quarantineCacheMs: 2_000, clock: () => now });
    await reader.get(type, 'a');

    await world.quarantine.release(type, 'a');
    const beforeExpiry = await reader.get(type, 'a');
    now += 2_000;
    const afterExpiry = await reader.get(type, 'a');

    expect([beforeExpiry.from, afterExpiry.from]).toEqual(['fallback', 'index']);
  });

  it('answers an empty batch with no results', async () => {
    const { type } = await indexedType({ a: { v: 'index' } });

    expect(await world.reader().getMany(type, [])).toEqual([]);
  });
});
