/**
 * The contract of the embedding cache, on DynamoDB, Redis and in memory (support/backends.ts):
 * vectors by embedding key, exactly as stored, overwritten by a later put.
 */
import { describe, expect, it } from 'vitest';
import { eachBackend, useBackend } from './support/backends.ts';

const vector = (...values: number[]) => Float32Array.from(values);

describe.each(eachBackend)('embedding cache contract: %s', (_name, start) => {
  const env = useBackend(start);

  it('finds nothing for keys never stored', async () => {
    expect((await env.ports.embeddings.get(['never', 'stored'])).size).toBe(0);
  });

  it('returns the vectors stored, bit for bit, and only for the keys asked', async () => {
    const { embeddings } = env.ports;
    await embeddings.put([
      { key: 'k1', vector: vector(0.1, -0.25, 1e-7) },
      { key: 'k2', vector: vector(3, 4) },
      { key: 'k3', vector: vector(9) },
    ]);

    const found = await embeddings.get(['k1', 'k2', 'missing']);

    expect([...found.keys()].sort()).toEqual(['k1', 'k2']);
    expect(found.get('k1')).toEqual(vector(0.1, -0.25, 1e-7));
    expect(found.get('k2')).toEqual(vector(3, 4));
  });

  it('answers a key asked twice once', async () => {
    await env.ports.embeddings.put([{ key: 'k', vector: vector(1, 2) }]);

    const found = await env.ports.embeddings.get(['k', 'k']);

    expect(found.size).toBe(1);
  });

  it('keeps the latest vector of a key stored again', async () => {
    const { embeddings } = env.ports;
    await embeddings.put([{ key: 'k', vector: vector(1, 2) }]);

    await embeddings.put([{ key: 'k', vector: vector(5, 6) }]);

    expect((await embeddings.get(['k'])).get('k')).toEqual(vector(5, 6));
  });

  it('stores and reads more entries than one batch call carries', async () => {
    const entries = Array.from({ length: 230 }, (_, i) => ({ key: `key-${i}`, vector: vector(i, i + 0.5) }));
    await env.ports.embeddings.put(entries);

    const found = await env.ports.embeddings.get(entries.map((entry) => entry.key));

    expect(found.size).toBe(230);
    expect(found.get('key-229')).toEqual(vector(229, 229.5));
  });
});
