/**
 * What the apply path makes of the embed step's failures: a transient one fails the change (SQS
 * redelivers it) and a refusal rejects it with the provider's reason; neither writes the record,
 * and the other changes of the batch are applied with their vectors.
 */
import { describe, expect, it } from 'vitest';
import { applyChanges, type ApplyDeps, type IncomingChange } from '../../../lambdas/core/apply.ts';
import type { EmbedConfig } from '../../../lambdas/core/config/index.ts';
import { initialPointer } from '../../../lambdas/core/pointer.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { CountingEmbedder } from '../../support/embedders.ts';
import { MemoryCatchUpLog, MemoryEmbeddingCache, MemoryIndex, MemorySource } from '../../support/memory/index.ts';
import { doc, TYPE, videoType } from '../rebuild/support/world.ts';

async function world() {
  const type = videoType({ embed: { text: (d: SourceDoc) => String(d['title']), provider: { kind: 'local' }, dimensions: 16 } });
  const index = new MemoryIndex();
  await index.swapPointer(undefined, initialPointer(TYPE, 0));
  const embedder = new CountingEmbedder(16);
  const embed = { config: type.embed as EmbedConfig, embedder, cache: new MemoryEmbeddingCache() };
  const deps: ApplyDeps = { types: new Map([[TYPE, { config: type, source: new MemorySource(), embed }]]), pointers: new PointerCache(index, 60_000, Date.now), records: index, catchUp: new MemoryCatchUpLog(), clock: Date.now };
  return { deps, index, embedder };
}

const change = (id: string, v: number, title?: string): IncomingChange => ({ key: `${id}@${v}`, change: { type: TYPE, id, op: 'upsert', version: v, doc: doc(id, v, title) } });

describe('embedding failures on the apply path', () => {
  it('fails a change whose provider stays throttled, writing nothing', async () => {
    const { deps, index, embedder } = await world();
    embedder.throttled = 1_000;

    const outcomes = await applyChanges(deps, [change('a', 1)], { sleep: async () => {}, remainingMs: () => 0 });

    expect(outcomes.get('a@1')?.status).toBe('failed');
    expect((await index.getRecords(TYPE, 1, ['a'])).size).toBe(0);
  });

  it('rejects the change whose text the provider refuses and applies its neighbours with vectors', async () => {
    const { deps, index, embedder } = await world();
    embedder.refuse.add('poison');

    const outcomes = await applyChanges(deps, [change('a', 1), change('b', 1, 'poison'), change('c', 1)]);

    expect(outcomes.get('b@1')).toMatchObject({ status: 'rejected', reason: expect.stringContaining('input rejected: poison') });
    expect([outcomes.get('a@1')?.status, outcomes.get('c@1')?.status]).toEqual(['applied', 'applied']);
    const stored = await index.getRecords(TYPE, 1, ['a', 'b', 'c']);
    expect([...stored.keys()].sort()).toEqual(['a', 'c']);
    expect(stored.get('a')?.vector).toHaveLength(16);
  });

  it('cuts a hanging provider call off at the time left, failing the change for redelivery instead of timing the batch out', async () => {
    const { deps, index } = await world();
    const resolved = deps.types.get(TYPE)!;
    // Answers only by giving up when its call is aborted: without the budget's signal it would hang the test.
    const hanging = {
      maxBatch: 100,
      embed: (_texts: readonly string[], signal?: AbortSignal) =>
        new Promise<Float32Array[]>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
    };
    const types = new Map([[TYPE, { ...resolved, embed: { ...resolved.embed!, embedder: hanging } }]]);
    const started = Date.now();

    const outcomes = await applyChanges({ ...deps, types }, [change('a', 1), change('b', 1)], { sleep: async () => {}, remainingMs: () => 50 - (Date.now() - started) });

    expect([outcomes.get('a@1')?.status, outcomes.get('b@1')?.status]).toEqual(['failed', 'failed']);
    expect((await index.getRecords(TYPE, 1, ['a', 'b'])).size).toBe(0);
  });

  it('applies with vectors when the time left is a fraction of a millisecond, as a Lambda\'s budget less its margin is', async () => {
    const { deps, index } = await world();

    const outcomes = await applyChanges(deps, [change('a', 1)], { sleep: async () => {}, remainingMs: () => 26_999.7 });

    expect(outcomes.get('a@1')?.status).toBe('applied');
    expect((await index.getRecords(TYPE, 1, ['a'])).get('a')?.vector).toBeInstanceOf(Float32Array);
  });
});
