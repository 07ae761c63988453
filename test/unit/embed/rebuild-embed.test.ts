/**
 * The embed step in the rebuild: the load embeds each chunk through the cache, so a second rebuild
 * re-embeds only the texts that changed, every record carries its vector, and a document the
 * provider refuses counts as an error of the build instead of a record without a vector.
 */
import { describe, expect, it } from 'vitest';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { rebuildType } from '../../../lambdas/core/rebuild/index.ts';
import { CountingEmbedder } from '../../support/embedders.ts';
import { MemoryEmbeddingCache } from '../../support/memory/index.ts';
import { createWorld, doc, videoType } from '../rebuild/support/world.ts';

function embeddingWorld(count: number) {
  const type = videoType({ embed: { text: (d: SourceDoc) => String(d['title']), provider: { kind: 'local' }, dimensions: 32, batchSize: 50 } });
  const world = createWorld(type);
  const embedder = new CountingEmbedder(32);
  world.deps.embed = { config: type.embed as NonNullable<typeof type.embed>, embedder, cache: new MemoryEmbeddingCache() };
  for (let i = 0; i < count; i++) world.source.docs.set(`v${i}`, doc(`v${i}`, 1));
  return { world, embedder };
}

describe('embeddings in the rebuild', () => {
  it('writes every record with its vector', async () => {
    const { world } = embeddingWorld(30);

    await rebuildType(world.deps, world.type, world.options);

    const records = await Promise.all(Array.from({ length: 30 }, (_, i) => world.activeRecord(`v${i}`)));
    expect(records.every((record) => record?.vector?.length === 32)).toBe(true);
  });

  it('re-embeds only the texts that changed since the last rebuild', async () => {
    const { world, embedder } = embeddingWorld(100);
    await rebuildType(world.deps, world.type, world.options);
    const first = embedder.texts;
    for (let i = 0; i < 5; i++) world.source.docs.set(`v${i}`, doc(`v${i}`, 2, `a new title ${i}`));
    for (let i = 5; i < 10; i++) world.source.docs.set(`v${i}`, { ...doc(`v${i}`, 2, `title v${i}@1`), n: 99 });

    await rebuildType(world.deps, world.type, world.options);

    expect(first).toBe(100);
    expect(embedder.texts - first).toBe(5);
    expect((await world.activeRecord('v7'))?.record).toMatchObject({ n: 99 });
  });

  it('counts a document the provider refuses as a build error and writes no record for it', async () => {
    const { world, embedder } = embeddingWorld(20);
    embedder.refuse.add('title v3@1');

    const { report } = await rebuildType(world.deps, world.type, world.options);

    expect(report.counts.transformErrors).toBe(1);
    expect(report.errorSamples[0]).toContain('input rejected');
    expect(await world.activeRecord('v3')).toBeUndefined();
  });
});
