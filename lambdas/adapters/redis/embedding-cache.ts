/**
 * The embedding cache in Valkey / Redis: one string key per embedding key,
 * `${prefix}emb:{${key}}`, holding the vector as little-endian float32 bytes, with an expiry that
 * every hit renews (GETEX … EX). See docs/embeddings.md.
 */
import type { Redis } from 'ioredis';
import type { CachedEmbedding, EmbeddingCache } from '../../core/embed/ports.ts';
import { vectorFromBytes, vectorToBytes } from '../../core/records.ts';
import { pipelineResults, redisCall } from './errors.ts';

/** How long a cached vector lives without a hit when no TTL is given: 30 days. */
export const DEFAULT_EMBEDDING_TTL_SECONDS = 30 * 24 * 3600;

export interface RedisEmbeddingCacheOptions {
  client: Pick<Redis, 'pipeline'>;
  /** The store's key prefix (`store.keyPrefix`). */
  keyPrefix: string;
  /** @default DEFAULT_EMBEDDING_TTL_SECONDS */
  ttlSeconds?: number;
}

/**
 * Vectors by embedding key, bounded by their expiry (renewed on every hit, so texts in use stay)
 * and by the server's `maxmemory` policy beyond that.
 */
export class RedisEmbeddingCache implements EmbeddingCache {
  readonly #client: Pick<Redis, 'pipeline'>;
  readonly #prefix: string;
  readonly #ttlSeconds: number;

  constructor(options: RedisEmbeddingCacheOptions) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix;
    this.#ttlSeconds = options.ttlSeconds ?? DEFAULT_EMBEDDING_TTL_SECONDS;
  }

  /** The Redis key of one cached vector (its own hash slot). */
  keyOf(key: string): string {
    return `${this.#prefix}emb:{${key}}`;
  }

  async get(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    const distinct = [...new Set(keys)];
    if (distinct.length === 0) return found;
    const pipeline = this.#client.pipeline();
    for (const key of distinct) pipeline.getexBuffer(this.keyOf(key), 'EX', this.#ttlSeconds);
    const context = { keys: distinct.length };
    const replies = pipelineResults(await redisCall('GETEX(embeddings)', context, () => pipeline.exec()), 'GETEX(embeddings)', context);
    distinct.forEach((key, index) => {
      const bytes = replies[index] as Buffer | null;
      if (bytes) found.set(key, vectorFromBytes(bytes));
    });
    return found;
  }

  async put(entries: readonly CachedEmbedding[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.#client.pipeline();
    for (const { key, vector } of entries) pipeline.set(this.keyOf(key), Buffer.from(vectorToBytes(vector)), 'EX', this.#ttlSeconds);
    const context = { entries: entries.length };
    pipelineResults(await redisCall('SET(embeddings)', context, () => pipeline.exec()), 'SET(embeddings)', context);
  }
}
