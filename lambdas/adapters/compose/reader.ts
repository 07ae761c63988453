/**
 * The wiring of `freshindex/reader`: the reader's policy (core/reader) over the ports of the
 * store the config selects, DynamoDB or Redis / Valkey. See docs/reader.md.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Redis, type RedisOptions } from 'ioredis';
import type { z } from 'zod';
import { validateConfig, type FreshindexConfig, type FreshindexConfigInput } from '../../core/config/index.ts';
import { storeSchema } from '../../core/config/schema.ts';
import { ConfigError } from '../../core/errors.ts';
import { systemClock, type Clock } from '../../core/ports.ts';
import { readerOver, transformingFallback, type Reader, type ReaderFallback, type ReaderPorts } from '../../core/reader/index.ts';
import { createDynamoClient } from './clients.ts';
import type { UnprocessedRetry } from '../dynamodb/batch.ts';
import { DynamoIndexStore } from '../dynamodb/index-store.ts';
import { DynamoCatchUpLog } from '../dynamodb/catch-up-log.ts';
import { DynamoLiveReads } from '../dynamodb/live-reads.ts';
import { DynamoQuarantineStore } from '../dynamodb/quarantine-store.ts';
import { createRedisStores } from '../redis/index.ts';
import { createSource, type SourceDeps } from '../sources/index.ts';
import { usearchEngine } from '../vectors/usearch.ts';
import type { IndexTuning } from '../../core/vectors/index.ts';

export type { UnprocessedRetry };

/** Options of {@link createReader}: the store's (DynamoDB or Redis) and the policy's. */
export interface ReaderOptions {
  /**
   * The store the index lives in: the config's `store` (`config.store`).
   * @default { type: 'dynamodb' }
   */
  store?: z.input<typeof storeSchema>;
  /**
   * DynamoDB: the client, a document client built on one, or the config to create one with.
   * @default createDynamoClient() (region and credentials from the environment)
   */
  dynamodb?: DynamoDBClient | DynamoDBDocumentClient | DynamoDBClientConfig;
  /** DynamoDB (required there): the index table (the stack's `IndexTableName` output). */
  indexTable?: string;
  /** DynamoDB (required there): the control table (the stack's `ControlTableName` output): pointers and quarantine. */
  controlTable?: string;
  /**
   * DynamoDB: strongly consistent reads. Readers do not need them: a record is at most a moment behind.
   * @default false
   */
  consistentReads?: boolean;
  /** DynamoDB: backoff of BatchGetItem's unprocessed keys. @default 10 retries, 25 ms to 2 s, with jitter */
  unprocessedRetry?: UnprocessedRetry;
  /**
   * Redis (required there): an ioredis client (yours to close), or a URL such as
   * `rediss://:token@master.my-cache.cache.amazonaws.com:6379` (the reader opens and closes it).
   */
  redis?: Redis | string;
  /**
   * Redis: the Secrets Manager secret holding the AUTH token of a `redis` URL (what `cdk deploy`
   * creates; the stack exports its ARN), read before every connection. Leave it out when the URL
   * carries the token or the server needs none.
   */
  redisAuthSecretArn?: string;
  /** Redis: options of the client the reader opens from a URL (TLS, timeouts). @default fail a command after one reconnection attempt */
  redisOptions?: RedisOptions;
  /**
   * How long a type's pointer is cached (ms): a rebuild's flip or a rollback is seen within it.
   * Keep it at or under the deployment's `pointerCacheSeconds`, which the rebuild waits out.
   * @default 10_000
   */
  pointerCacheMs?: number;
  /** How long a type's quarantined ids are cached (ms). @default pointerCacheMs */
  quarantineCacheMs?: number;
  /**
   * Where quarantined resources, and every resource of a type without a pointer, are read from.
   * Without one, quarantined ids are read from the index and flagged `quarantined: true`.
   */
  fallback?: ReaderFallback;
  /**
   * Called when the fallback fails; the reader then serves the index's record (still flagged
   * `quarantined`), so a source outage never fails a whole batch.
   */
  onFallbackError?: (error: unknown, context: { type: string; ids: readonly string[] }) => void;
  /** The clock of the caches (tests move it). @default Date.now */
  clock?: Clock;
  /**
   * similar(): how often (ms) a vector index reads the journal of changes: a change shows in
   * similar() at most this long after its write. @default 10_000
   */
  vectorRefreshMs?: number;
  /** similar(): the rest of the vector indexes' tuning (docs/vectors.md). */
  vectorTuning?: Partial<IndexTuning>;
}

/** The ports of one store and how to release what was opened for them. */
interface StorePorts {
  ports: ReaderPorts;
  close(): Promise<void>;
}

/**
 * Creates a reader of the index, on the store `store` names. It only ever reads the generation
 * the type's pointer names as active (never a building one), caches that pointer for
 * `pointerCacheMs`, reads tombstones as missing, and serves quarantined resources from
 * `fallback`, saying so in each result. Throws a `ConfigError` naming every missing option.
 *
 * @example
 * import { createReader, sourceFallback } from 'freshindex/reader';
 * import { config } from './freshindex.config.ts';
 *
 * type Video = { title: string; tags: string[] };
 * const reader = createReader<{ video: Video }>({
 *   store: config.store,
 *   indexTable: 'freshindex-index',        // DynamoDB
 *   controlTable: 'freshindex-control',
 *   redis: process.env.REDIS_URL,          // Redis / Valkey
 *   fallback: sourceFallback(config),
 * });
 * const one = await reader.get('video', 'v-42');
 * if (one.from !== 'missing') console.log(one.record?.title);
 */
export function createReader<Records extends Record<string, unknown> = Record<string, unknown>>(options: ReaderOptions): Reader<Records> {
  const parsed = storeSchema.safeParse(options.store ?? { type: 'dynamodb' });
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `reader store${issue.path.map((key) => `.${String(key)}`).join('')}: ${issue.message}`));
  const { ports, close } = parsed.data.type === 'redis' ? redisPorts(options, parsed.data.keyPrefix) : dynamoPorts(options);
  const pointerCacheMs = options.pointerCacheMs ?? 10_000;
  return readerOver<Records>(ports, {
    pointerCacheMs,
    quarantineCacheMs: options.quarantineCacheMs ?? pointerCacheMs,
    fallback: options.fallback,
    onFallbackError: options.onFallbackError,
    clock: options.clock ?? systemClock,
    vectorTuning: { ...options.vectorTuning, ...(options.vectorRefreshMs === undefined ? {} : { refreshMs: options.vectorRefreshMs }) },
    close,
  });
}

function dynamoPorts(options: ReaderOptions): StorePorts {
  const { indexTable, controlTable } = options;
  if (!indexTable || !controlTable) {
    const missing = [indexTable ? undefined : 'indexTable', controlTable ? undefined : 'controlTable'].filter(Boolean).join(' and ');
    const hint = options.redis === undefined ? '' : ' (a `redis` client was given: pass `store: { type: "redis" }` to read Redis)';
    throw new ConfigError([`the reader reads DynamoDB: pass ${missing}${hint}`]);
  }
  const { document, owned } = documentClientOf(options.dynamodb);
  const consistentReads = options.consistentReads ?? false;
  const store = new DynamoIndexStore({ client: document, indexTable, controlTable, tombstoneTtlSeconds: 0, consistentReads, ...(options.unprocessedRetry ? { unprocessedRetry: options.unprocessedRetry } : {}) });
  return {
    ports: {
      pointers: store,
      quarantine: new DynamoQuarantineStore(document, controlTable, consistentReads),
      records: new DynamoLiveReads({ client: document, indexTable, consistentReads, unprocessedRetry: options.unprocessedRetry }),
      vectors: { records: store, journal: new DynamoCatchUpLog(document, controlTable), engine: usearchEngine() },
    },
    close: async () => owned?.destroy(),
  };
}

function redisPorts(options: ReaderOptions, keyPrefix: string): StorePorts {
  const { redis } = options;
  if (redis === undefined || redis === '') throw new ConfigError(['the reader reads Redis (store.type "redis"): pass `redis`, an ioredis client or a redis:// or rediss:// URL']);
  const common = { keyPrefix, tombstoneTtlSeconds: 0 }; // the reader never writes
  const stores =
    typeof redis === 'string'
      ? createRedisStores({
          ...common,
          url: redis,
          authSecretArn: options.redisAuthSecretArn,
          ...(options.redisOptions ? { connection: { clientOptions: options.redisOptions } } : {}),
        })
      : createRedisStores({ ...common, client: redis });
  const vectors = { records: stores.store, journal: stores.catchUp, engine: usearchEngine() };
  return { ports: { pointers: stores.store, quarantine: stores.quarantine, records: stores.liveReads, vectors }, close: () => stores.close() };
}

function documentClientOf(dynamodb: ReaderOptions['dynamodb']): { document: DynamoDBDocumentClient; owned?: DynamoDBClient } {
  if (dynamodb instanceof DynamoDBDocumentClient) return { document: dynamodb };
  if (dynamodb instanceof DynamoDBClient) return { document: toDocument(dynamodb) };
  const owned = createDynamoClient(dynamodb ?? {});
  return { document: toDocument(owned), owned };
}

function toDocument(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * The usual fallback of a reader: each type's source of truth, through the type's own
 * `transform`, so a quarantined resource reads exactly as the index would hold it if it were
 * right. Documents the source does not have, or the transform rejects, read as missing.
 *
 * @example
 * const reader = createReader({ store: config.store, redis: url, fallback: sourceFallback(config, { env: process.env }) });
 */
export function sourceFallback(configInput: FreshindexConfigInput | FreshindexConfig, deps: SourceDeps = {}): ReaderFallback {
  return transformingFallback(validateConfig(configInput), (type) => createSource(type, deps));
}
