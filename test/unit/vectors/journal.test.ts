/** The vector journal: what the apply path records before it writes (docs/vectors.md, "Freshness"). */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { journalingStore, readJournal, sliceOf } from '../../../lambdas/core/vectors/index.ts';
import { MemoryCatchUpLog, MemoryIndex } from '../../support/memory/index.ts';

const vector = Float32Array.from([1, 0, 0]);
const now = 600_000;

describe('the vector journal', () => {
  it('records upserts with a vector and deletes of types with vectors, leaving other writes out', async () => {
    const index = new MemoryIndex();
    const journal = new MemoryCatchUpLog();
    const store = journalingStore(index, { journal, hasVectors: (type) => type === 'movie', clock: () => now });

    await store.write('movie', 1, [
      { kind: 'upsert', id: 'a', version: 1, hash: 'h', record: {}, vector },
      { kind: 'upsert', id: 'no-vector', version: 1, hash: 'h', record: {} },
      { kind: 'delete', id: 'b', version: 1 },
    ]);
    await store.write('review', 1, [{ kind: 'upsert', id: 'r', version: 1, hash: 'h', record: {}, vector }]);

    expect(await readJournal(journal, 'movie', 1, sliceOf(now), sliceOf(now))).toEqual(new Set(['a', 'b']));
    expect(await readJournal(journal, 'review', 1, sliceOf(now), sliceOf(now))).toEqual(new Set());
    expect(index.stored('movie', 'a')?.vector).toEqual(vector);
  });

  it('journals an id before its write, so a write that fails is still looked at', async () => {
    const index = new MemoryIndex();
    index.refuse = () => new StoreError('throttled', { retryable: true });
    const journal = new MemoryCatchUpLog();
    const store = journalingStore(index, { journal, hasVectors: () => true, clock: () => now });

    await expect(store.write('movie', 2, [{ kind: 'upsert', id: 'a', version: 1, hash: 'h', record: {}, vector }])).rejects.toThrow();

    expect(await readJournal(journal, 'movie', 2, sliceOf(now), sliceOf(now))).toEqual(new Set(['a']));
  });
});
