/**
 * The ports of the embed step: the provider that turns texts into vectors, and the cache of
 * vectors already computed, keyed by `embeddingKey` (hash of provider, model, dimensions, text).
 */
import type { EmbedConfig } from '../config/embed.ts';

/** A provider of embeddings (Bedrock, an OpenAI-compatible endpoint, the local embedder). */
export interface Embedder {
  /** Texts one `embed` call may carry (the step never passes more). */
  readonly maxBatch: number;
  /**
   * One vector per text, in order, each of the configured dimensions. Throws `EmbeddingError`
   * (after the adapter's own retries of 429 and 5xx): `retryable` says whether a later try may work.
   */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** A computed vector and the key it was computed for. */
export interface CachedEmbedding {
  key: string;
  vector: Float32Array;
}

/**
 * Vectors computed before, kept in the index store (DynamoDB items with a TTL, Redis keys with
 * EXPIRE). Bounded by its TTL, which a hit refreshes: a text not seen for a TTL is forgotten.
 */
export interface EmbeddingCache {
  /** The vectors found for `keys` (a missing or expired key is absent from the map). */
  get(keys: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Stores vectors; a key stored again is overwritten. */
  put(entries: readonly CachedEmbedding[]): Promise<void>;
}

/** What the embed step of one type runs on: its config, its provider and the shared cache. */
export interface EmbedStep {
  config: EmbedConfig;
  embedder: Embedder;
  cache: EmbeddingCache;
}
