/**
 * The embed step: a vector per text, computed once per content (cache by hash of provider, model,
 * dimensions and text), in batches of distinct texts, with over-long text split and averaged.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig, type EmbedConfig } from '../../../lambdas/core/config/index.ts';
import { embedTexts } from '../../../lambdas/core/embed/embed.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { meanNormalised, splitText } from '../../../lambdas/core/embed/text.ts';
import { LocalEmbedder } from '../../../lambdas/adapters/embedders/index.ts';
import { CountingEmbedder } from '../../support/embedders.ts';
import { MemoryEmbeddingCache } from '../../support/memory/index.ts';

function embedConfig(overrides: Partial<EmbedConfig> = {}): EmbedConfig {
  const config = validateConfig({
    types: [{ name: 'video', source: { type: 'jsonl', path: '/dev/null' }, transform: (doc: SourceDoc) => doc, version: () => 1, embed: { text: (doc: SourceDoc) => String(doc['title']), provider: { kind: 'local' }, dimensions: 64, ...overrides } }],
  });
  return config.types[0]?.embed as EmbedConfig;
}

function step(config = embedConfig(), cache = new MemoryEmbeddingCache(), embedder = new CountingEmbedder(config.dimensions)) {
  return { step: { config, embedder, cache }, embedder, cache };
}

describe('the embed step', () => {
  it('makes no provider call for a text it embedded before', async () => {
    const { step: s, embedder } = step();
    await embedTexts(s, ['a quiet film', 'a loud film']);

    const again = await embedTexts(s, ['a quiet film', 'a loud film']);

    expect(embedder.calls).toBe(1);
    expect(again.stats).toMatchObject({ cached: 2, computed: 0, calls: 0 });
  });

  it('embeds only the text that changed, in one call', async () => {
    const { step: s, embedder } = step();
    await embedTexts(s, ['one', 'two', 'three']);

    await embedTexts(s, ['one', 'two changed', 'three']);

    expect(embedder.batches).toEqual([['one', 'two', 'three'], ['two changed']]);
  });

  it('embeds every text again when the model or the dimensions change', async () => {
    const cache = new MemoryEmbeddingCache();
    const first = step(embedConfig({ dimensions: 64 }), cache);
    await embedTexts(first.step, ['one', 'two']);
    const other = step(embedConfig({ dimensions: 128 }), cache);

    const { results, stats } = await embedTexts(other.step, ['one', 'two']);

    expect(stats).toMatchObject({ cached: 0, computed: 2 });
    expect(results.map((result) => ('vector' in result ? result.vector.length : 0))).toEqual([128, 128]);
  });

  it('sends each distinct text once, in batches of batchSize', async () => {
    const { step: s, embedder } = step(embedConfig({ batchSize: 2 }));

    const { results } = await embedTexts(s, ['a', 'b', 'a', 'c', 'd', 'b']);

    expect(embedder.batches.map((batch) => batch.length)).toEqual([2, 2]);
    expect(embedder.texts).toBe(4);
    expect(results).toHaveLength(6);
    expect((results[0] as { vector: Float32Array }).vector).toEqual((results[2] as { vector: Float32Array }).vector);
  });

  it('splits a text longer than maxChars at word boundaries and averages the pieces, normalised', async () => {
    const { step: s, embedder } = step(embedConfig({ maxChars: 100 }));
    const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

    const { results } = await embedTexts(s, [text]);

    const pieces = splitText(text, 100);
    expect(pieces.length).toBeGreaterThan(1);
    expect(embedder.batches.flat()).toEqual(pieces);
    const expected = meanNormalised(await new LocalEmbedder(64).embed(pieces));
    expect((results[0] as { vector: Float32Array }).vector).toEqual(expected);
  });

  it('fails only the text the provider refuses, and embeds its neighbours', async () => {
    const { step: s, embedder } = step();
    embedder.refuse.add('bad');

    const { results } = await embedTexts(s, ['good', 'bad', 'fine']);

    expect(results.map((result) => 'vector' in result)).toEqual([true, false, true]);
    expect(String((results[1] as { error: unknown }).error)).toContain('input rejected: bad');
  });

  it('reports a transient failure as retryable for every text of the batch', async () => {
    const { step: s, embedder } = step();
    embedder.throttled = 1;

    const { results } = await embedTexts(s, ['a', 'b']);

    expect(results.map((result) => 'error' in result && (result.error as { retryable: boolean }).retryable)).toEqual([true, true]);
  });
});

describe('splitting over-long text', () => {
  it('keeps every piece within the limit and loses no word', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';

    const pieces = splitText(text, 20);

    expect(pieces.every((piece) => piece.length <= 20)).toBe(true);
    expect(pieces.join(' ').split(' ')).toEqual(text.split(' '));
  });

  it('cuts a single word longer than the limit', () => {
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});

describe('embed config', () => {
  it('names a dimension the model does not produce', () => {
    expect(() => embedConfig({ provider: { kind: 'bedrock', model: 'amazon.titan-embed-text-v2:0' }, dimensions: 768 })).toThrow(
      /types\[0\]\(video\)\.embed\.dimensions: .*256, 512, 1024 dimensions, not 768/,
    );
  });

  it('accepts the dimensions of Cohere v3 and refuses others', () => {
    expect(embedConfig({ provider: { kind: 'bedrock', model: 'cohere.embed-english-v3' }, dimensions: 1024 }).dimensions).toBe(1024);
    expect(() => embedConfig({ provider: { kind: 'bedrock', model: 'cohere.embed-multilingual-v3' }, dimensions: 512 })).toThrow(/1024 dimensions, not 512/);
  });

  it('refuses a batch size above 200 and a local vector shorter than 8', () => {
    expect(() => embedConfig({ batchSize: 500 })).toThrow(/batchSize/);
    expect(() => embedConfig({ dimensions: 4 })).toThrow(/8 to 4096/);
  });
});
