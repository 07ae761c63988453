/**
 * The embedding cache in the index table: one item per embedding key, `pk = ~embedding#${key}`,
 * `sk = "vector"` (`~` never starts a type's name, so no record partition can collide), the vector
 * as little-endian float32 bytes, and the table's TTL attribute. See docs/embeddings.md.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CachedEmbedding, EmbeddingCache } from '../../core/embed/ports.ts';
import type { Clock } from '../../core/ports.ts';
import { vectorFromBytes, vectorToBytes } from '../../core/records.ts';
import { batchGetAll, batchWriteAll } from './batch.ts';
import { translateDynamoError } from './errors.ts';
import { TTL_ATTRIBUTE } from './schema.ts';

/** How long a cached vector lives without a hit when no TTL is given: 30 days. */
export const DEFAULT_EMBEDDING_TTL_SECONDS = 30 * 24 * 3600;

export interface DynamoEmbeddingCacheOptions {
  client: DynamoDBDocumentClient;
  /** The index table. */
  table: string;
  /** @default DEFAULT_EMBEDDING_TTL_SECONDS */
  ttlSeconds?: number;
  clock?: Clock;
}

/** The key of one cached vector. */
export function embeddingItemKey(key: string): { pk: string; sk: string } {
  return { pk: `~embedding#${key}`, sk: 'vector' };
}

/**
 * Vectors by embedding key, bounded by DynamoDB's TTL. A hit on an item past half its TTL writes it
 * again with a fresh expiry, so texts in use stay while the others expire (at most one write per
 * item per half TTL). An item past its expiry that DynamoDB has not deleted yet is a miss.
 */
export class DynamoEmbeddingCache implements EmbeddingCache {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlSeconds: number;
  readonly #clock: Clock;

  constructor(options: DynamoEmbeddingCacheOptions) {
    this.#client = options.client;
    this.#table = options.table;
    this.#ttlSeconds = options.ttlSeconds ?? DEFAULT_EMBEDDING_TTL_SECONDS;
    this.#clock = options.clock ?? Date.now;
  }

  async get(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    if (keys.length === 0) return found;
    const now = Math.floor(this.#clock() / 1000);
    let items: Record<string, unknown>[];
    try {
      items = await batchGetAll(this.#client, this.#table, [...new Set(keys)].map(embeddingItemKey));
    } catch (error) {
      throw translateDynamoError(error, 'BatchGetItem (embedding cache)', { table: this.#table });
    }
    const refresh: CachedEmbedding[] = [];
    for (const item of items) {
      const expiresAt = Number(item[TTL_ATTRIBUTE]);
      if (expiresAt <= now) continue;
      const key = String(item['pk']).slice('~embedding#'.length);
      const vector = vectorFromBytes(item['vector'] as Uint8Array);
      found.set(key, vector);
      if (expiresAt - now < this.#ttlSeconds / 2) refresh.push({ key, vector });
    }
    if (refresh.length > 0) await this.put(refresh);
    return found;
  }

  async put(entries: readonly CachedEmbedding[]): Promise<void> {
    if (entries.length === 0) return;
    const expiresAt = Math.floor(this.#clock() / 1000) + this.#ttlSeconds;
    const byKey = new Map(entries.map((entry) => [entry.key, entry.vector]));
    const requests = [...byKey].map(([key, vector]) => ({
      PutRequest: { Item: { ...embeddingItemKey(key), vector: vectorToBytes(vector), [TTL_ATTRIBUTE]: expiresAt } },
    }));
    try {
      await batchWriteAll(this.#client, this.#table, requests);
    } catch (error) {
      throw translateDynamoError(error, 'BatchWriteItem (embedding cache)', { table: this.#table });
    }
  }
}
