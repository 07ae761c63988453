/**
 * The Redis / Valkey (ElastiCache) backend of the index: the same ports as the DynamoDB adapter,
 * checked by the same contract suite. See docs/redis.md.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { systemClock, type Clock } from '../../core/ports.ts';
import { RedisAuditReportStore } from './audit-reports.ts';
import { RedisBuildControl } from './builds.ts';
import { RedisCatchUpLog } from './catch-up-log.ts';
import { RedisDifferenceCounters } from './difference-counters.ts';
import { RedisGenerationCounter } from './generation-counter.ts';
import { KeyLayout } from './keys.ts';
import { RedisIndexStore } from './index-store.ts';
import { RedisQuarantineStore } from './quarantine-store.ts';
import { RedisBuildReservations } from './reservations.ts';
import { withScripts } from './scripts.ts';

export { RedisAuditReportStore } from './audit-reports.ts';
export { RedisBuildControl } from './builds.ts';
export { RedisCatchUpLog } from './catch-up-log.ts';
export { RedisDifferenceCounters } from './difference-counters.ts';
export { RedisGenerationCounter } from './generation-counter.ts';
export { RedisBuildReservations } from './reservations.ts';
export { translateRedisError } from './errors.ts';
export { BUCKETS, ControlKeys, KeyLayout, bucketOf, bucketsOfSegment } from './keys.ts';
export { RedisIndexStore, type RedisIndexStoreOptions } from './index-store.ts';
export { RedisQuarantineStore } from './quarantine-store.ts';

/** Options of `createRedisStores`: a URL (the stores own the client) or a client (the caller owns it). */
export type RedisStoresOptions = ({ url: string; client?: never; clientOptions?: RedisOptions } | { client: Redis; url?: never }) & {
  /** Prefix of every key. @default 'fi:' */
  keyPrefix?: string;
  /** How long tombstones are kept (seconds): the config's `tombstoneTtlSeconds`. */
  tombstoneTtlSeconds: number;
  clock?: Clock;
};

/**
 * The Redis-backed stores of one deployment: the index and, so a Redis deployment needs no
 * DynamoDB control table, the whole control plane too.
 */
export interface RedisStores {
  store: RedisIndexStore;
  catchUp: RedisCatchUpLog;
  quarantine: RedisQuarantineStore;
  /** Build leases, build records and retirement notes. */
  builds: RedisBuildControl;
  reservations: RedisBuildReservations;
  /** Counts a generation's live records (the rebuild's gate). */
  counter: RedisGenerationCounter;
  /** The checker's per-resource difference counters. */
  differences: RedisDifferenceCounters;
  auditReports: RedisAuditReportStore;
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
 * const { store, catchUp, quarantine, builds, reservations, counter, differences, auditReports, close } = createRedisStores({
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
    builds: new RedisBuildControl(client, keys.control),
    reservations: new RedisBuildReservations(client, keys.control),
    counter: new RedisGenerationCounter(client, keys),
    differences: new RedisDifferenceCounters(client, keys.control),
    auditReports: new RedisAuditReportStore(client, keys.control),
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
