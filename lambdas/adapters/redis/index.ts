/**
 * The Redis / Valkey (ElastiCache) backend of the index: the same ports as the DynamoDB adapter,
 * checked by the same contract suite. See docs/redis.md.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { systemClock, type Clock } from '../../core/ports.ts';
import { RedisCatchUpLog } from './catch-up-log.ts';
import { KeyLayout } from './keys.ts';
import { RedisIndexStore } from './index-store.ts';
import { RedisLiveReads } from './live-reads.ts';
import { RedisQuarantineStore } from './quarantine-store.ts';
import { withScripts } from './scripts.ts';

export { RedisCatchUpLog } from './catch-up-log.ts';
export { translateRedisError } from './errors.ts';
export { BUCKETS, KeyLayout, bucketOf, bucketsOfSegment } from './keys.ts';
export { RedisIndexStore, type RedisIndexStoreOptions } from './index-store.ts';
export { RedisLiveReads } from './live-reads.ts';
export { RedisQuarantineStore } from './quarantine-store.ts';

/** Options of `createRedisStores`: a URL (the stores own the client) or a client (the caller owns it). */
export type RedisStoresOptions = ({ url: string; client?: never; clientOptions?: RedisOptions } | { client: Redis; url?: never }) & {
  /** Prefix of every key. @default 'fi:' */
  keyPrefix?: string;
  /** How long tombstones are kept (seconds): the config's `tombstoneTtlSeconds`. */
  tombstoneTtlSeconds: number;
  clock?: Clock;
};

/** The Redis-backed stores of one deployment. */
export interface RedisStores {
  store: RedisIndexStore;
  catchUp: RedisCatchUpLog;
  quarantine: RedisQuarantineStore;
  /** The reader's record reads (freshindex/reader). */
  liveReads: RedisLiveReads;
  /** Closes the connection when the stores opened it (a `url` was given); a no-op for an injected client. */
  close(): Promise<void>;
}

/**
 * Client settings for Lambda and Batch: fail a command after one reconnection attempt instead of
 * queueing it for minutes, so a store outage surfaces as a retryable `StoreError` while the
 * message can still be redelivered.
 */
export const DEFAULT_CLIENT_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  commandTimeout: 10_000,
  retryStrategy: (times) => Math.min(times * 100, 1_000),
};

/**
 * Builds the Redis stores.
 *
 * @example
 * ```ts
 * const { store, catchUp, quarantine, close } = createRedisStores({
 *   url: env.FRESHINDEX_REDIS_URL, // e.g. rediss://:token@primary.my-cache.cache.amazonaws.com:6379
 *   keyPrefix: config.store.keyPrefix,
 *   tombstoneTtlSeconds: config.tombstoneTtlSeconds,
 * });
 * ```
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  const keys = new KeyLayout(options.keyPrefix ?? 'fi:');
  const owned = options.client === undefined;
  const raw = options.client ?? ownedClient(options.url as string, options.clientOptions);
  const client = withScripts(raw);
  return {
    store: new RedisIndexStore({ client, keys, tombstoneTtlSeconds: options.tombstoneTtlSeconds, clock: options.clock ?? systemClock }),
    catchUp: new RedisCatchUpLog(client, keys),
    quarantine: new RedisQuarantineStore(client, keys),
    liveReads: new RedisLiveReads(client, keys),
    async close() {
      if (!owned) return;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

function ownedClient(url: string, clientOptions: RedisOptions | undefined): Redis {
  const client = new Redis(url, { ...DEFAULT_CLIENT_OPTIONS, ...clientOptions });
  // Without a listener ioredis prints every failed reconnection; the commands that fail because
  // of it reject with a translated StoreError, which is what callers act on.
  client.on('error', () => undefined);
  return client;
}
