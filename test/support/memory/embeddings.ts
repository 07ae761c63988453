/** The embedding cache in memory, with the expiry rule of the real ones (a hit renews it). */
import type { CachedEmbedding, EmbeddingCache } from '../../../lambdas/core/embed/ports.ts';
import { tick } from './tick.ts';

export class MemoryEmbeddingCache implements EmbeddingCache {
  readonly #entries = new Map<string, { vector: Float32Array; expiresAt: number }>();
  /** Calls of `get` and `put`, for tests that count round trips. */
  readonly calls = { get: 0, put: 0 };

  constructor(
    private readonly ttlMs = 30 * 24 * 3600 * 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  async get(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    await tick();
    this.calls.get++;
    const found = new Map<string, Float32Array>();
    const now = this.clock();
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (!entry || entry.expiresAt <= now) continue;
      entry.expiresAt = now + this.ttlMs;
      found.set(key, Float32Array.from(entry.vector));
    }
    return found;
  }

  async put(entries: readonly CachedEmbedding[]): Promise<void> {
    await tick();
    this.calls.put++;
    const expiresAt = this.clock() + this.ttlMs;
    for (const { key, vector } of entries) this.#entries.set(key, { vector: Float32Array.from(vector), expiresAt });
  }
}
