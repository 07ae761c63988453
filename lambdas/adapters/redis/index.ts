/**
 * The Redis / Valkey (ElastiCache) backend of the index: the same ports as the DynamoDB adapter,
 * checked by the same contract suite. See docs/redis.md.
 */
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../../core/ports.ts';
import type { GenerationCounter } from '../../core/rebuild/ports.ts';
import { RedisAuditReportStore } from './audit-reports.ts';
import { RedisBuildControl } from './builds.ts';
import { RedisChildResults } from './child-results.ts';
import { RedisCatchUpLog } from './catch-up-log.ts';
import { RedisDifferenceCounters } from './difference-counters.ts';
import { createRedisConnection, type RedisConnectionDeps } from './connection.ts';
import { KeyLayout } from './keys.ts';
import { RedisIndexStore } from './index-store.ts';
import { RedisLiveReads } from './live-reads.ts';
import { RedisQuarantineStore } from './quarantine-store.ts';
import { RedisEmbeddingCache } from './embedding-cache.ts';
import { RedisBuildReservations } from './reservations.ts';
import { withScripts } from './scripts.ts';

export { RedisAuditReportStore } from './audit-reports.ts';
export { RedisBuildControl } from './builds.ts';
export { RedisChildResults } from './child-results.ts';
export { RedisCatchUpLog } from './catch-up-log.ts';
export { RedisDifferenceCounters } from './difference-counters.ts';
export { RedisBuildReservations } from './reservations.ts';
export { createRedisConnection, REDIS_CLIENT_OPTIONS, type RedisConnectionDeps, type RedisConnectionSettings } from './connection.ts';
export { translateRedisError } from './errors.ts';
export { BUCKETS, ControlKeys, KeyLayout, bucketOf, bucketsOfSegment } from './keys.ts';
export { RedisIndexStore, type RedisIndexStoreOptions } from './index-store.ts';
export { RedisLiveReads } from './live-reads.ts';
export { RedisQuarantineStore } from './quarantine-store.ts';
export { RedisEmbeddingCache } from './embedding-cache.ts';

/**
 * Options of `createRedisStores`: a URL and the secret of its AUTH token (the stores own the
 * client, see `createRedisConnection`) or a client (the caller owns it).
 */
export type RedisStoresOptions = (
  | { url: string; authSecretArn?: string | undefined; connection?: RedisConnectionDeps; client?: never }
  | { client: Redis; url?: never }
) & {
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
  /** The results of a split load's children (an AWS Batch array job). */
  childResults: RedisChildResults;
  /** Counts a generation's live records (the rebuild's gate). */
  counter: GenerationCounter;
  /** The checker's per-resource difference counters. */
  differences: RedisDifferenceCounters;
  auditReports: RedisAuditReportStore;
  /** Vectors already computed, by embedding key (core/embed). */
  embeddings: RedisEmbeddingCache;
  /** The reader's record reads (freshindex/reader). */
  liveReads: RedisLiveReads;
  /** Closes the connection when the stores opened it (a `url` was given); a no-op for an injected client. */
  close(): Promise<void>;
}

/**
 * Builds the Redis stores.
 *
 * @example
 * ```ts
 * const { store, catchUp, quarantine, builds, reservations, counter, differences, auditReports, close } = createRedisStores({
 *   url: env.FRESHINDEX_REDIS_URL, // e.g. rediss://primary.my-cache.cache.amazonaws.com:6380
 *   authSecretArn: env.FRESHINDEX_REDIS_AUTH_SECRET_ARN, // the AUTH token, read before connecting
 *   keyPrefix: config.store.keyPrefix,
 *   tombstoneTtlSeconds: config.tombstoneTtlSeconds,
 * });
 * ```
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  const keys = new KeyLayout(options.keyPrefix ?? 'fi:');
  const owned = options.client === undefined;
  const raw = options.client ?? createRedisConnection({ url: options.url as string, authSecretArn: options.authSecretArn }, options.connection);
  const client = withScripts(raw);
  // The index store counts a generation too: 64 SCARDs of its live-id sets, in one round trip.
  const store = new RedisIndexStore({ client, keys, tombstoneTtlSeconds: options.tombstoneTtlSeconds, clock: options.clock ?? systemClock });
  return {
    store,
    catchUp: new RedisCatchUpLog(client, keys),
    quarantine: new RedisQuarantineStore(client, keys),
    builds: new RedisBuildControl(client, keys.control),
    reservations: new RedisBuildReservations(client, keys.control),
    childResults: new RedisChildResults(client, keys.control),
    counter: store,
    differences: new RedisDifferenceCounters(client, keys.control),
    auditReports: new RedisAuditReportStore(client, keys.control),
    embeddings: new RedisEmbeddingCache({ client, keyPrefix: keys.prefix }),
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
