/** Embedders for tests: the local one with its calls counted, and one that refuses chosen texts. */
import { EmbeddingError } from '../../lambdas/core/embed/errors.ts';
import type { Embedder } from '../../lambdas/core/embed/ports.ts';
import { LocalEmbedder } from '../../lambdas/adapters/embedders/index.ts';

/** The local embedder, counting its calls and the texts it was sent. */
export class CountingEmbedder implements Embedder {
  readonly #local: LocalEmbedder;
  calls = 0;
  readonly batches: string[][] = [];
  /** Texts refused for good (a 400 of the provider). */
  refuse = new Set<string>();
  /** Calls left that fail transiently (a 429 that outlived the retries). */
  throttled = 0;

  constructor(
    dimensions: number,
    readonly maxBatch = Number.MAX_SAFE_INTEGER,
  ) {
    this.#local = new LocalEmbedder(dimensions);
  }

  get texts(): number {
    return this.batches.reduce((sum, batch) => sum + batch.length, 0);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    this.batches.push([...texts]);
    if (this.throttled > 0) {
      this.throttled--;
      throw new EmbeddingError('test provider answered 429', { retryable: true });
    }
    const refused = texts.find((text) => this.refuse.has(text));
    if (refused !== undefined) throw new EmbeddingError(`test provider answered 400: input rejected: ${refused}`, { retryable: false });
    return this.#local.embed(texts);
  }
}
