/**
 * The composition root: turns a validated config and a deployment's settings into the adapters
 * the core runs on. The one place that maps a config's `type` discriminators to implementations.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApplyDeps, ResolvedType } from '../core/apply.ts';
import { validateConfig, type FreshindexConfig, type FreshindexConfigInput } from '../core/config/index.ts';
import { PointerCache } from '../core/pointer-cache.ts';
import { ConfigError } from '../core/errors.ts';
import { systemClock, type CatchUpLog, type Clock, type PointerStore, type QuarantineStore, type RecordStore } from '../core/ports.ts';
import type { GenerationCounter } from '../core/rebuild/index.ts';
import { DynamoGenerationCounter } from './dynamodb/build-counter.ts';
import { DynamoCatchUpLog } from './dynamodb/catch-up-log.ts';
import { DynamoIndexStore } from './dynamodb/index-store.ts';
import { DynamoQuarantineStore } from './dynamodb/quarantine-store.ts';
import { AnswerRefundingRetryStrategy } from './dynamodb/retry-strategy.ts';
import { createRedisStores } from './redis/index.ts';
import { createSource, type SourceDeps } from './sources/index.ts';

/** Where this deployment keeps its index. */
export interface RuntimeSettings {
  indexTable: string;
  controlTable: string;
  /** The Redis/Valkey URL, when the config selects `store: { type: 'redis' }` (FRESHINDEX_REDIS_URL). */
  redisUrl?: string | undefined;
}

/**
 * A DynamoDB client as freshindex uses it: `config` (region, endpoint, credentials) with the
 * retry strategy set here and nowhere else: 3 attempts per call, the SDK's backoff and retry
 * quota, refunded by answers as well as successes (see adapters/dynamodb/retry-strategy.ts for
 * the arithmetic). A `retryStrategy` or `maxAttempts` in `config` is overridden.
 *
 * @example
 * const dynamodb = createDynamoClient({ endpoint: 'http://127.0.0.1:4567', region: 'us-east-1' });
 */
export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  const { maxAttempts: _ignored, ...rest } = config;
  return new DynamoDBClient({ ...rest, retryStrategy: new AnswerRefundingRetryStrategy() });
}

/** Clients and hooks a caller may inject (tests point them at emulators). */
export interface RuntimeOverrides {
  /** @default createDynamoClient() (region and credentials from the environment) */
  dynamodb?: DynamoDBClient;
  sourceDeps?: Partial<SourceDeps>;
  clock?: Clock;
}

/** Everything the handlers and jobs need, built once per process. */
export interface Runtime extends ApplyDeps {
  config: FreshindexConfig;
  settings: RuntimeSettings;
  /** The index: records and pointers (DynamoDB or Redis, per `config.store`). */
  store: PointerStore & RecordStore;
  catchUp: CatchUpLog;
  quarantine: QuarantineStore;
  /** Counts a generation's live records, reading only that generation (the rebuild's gate). */
  counter: GenerationCounter;
  /** The DynamoDB client of the control table (leases, build and audit reports, check counters). */
  documentClient: DynamoDBDocumentClient;
  /** Closes connections this runtime opened (Redis). */
  close(): Promise<void>;
}

interface IndexStores {
  store: PointerStore & RecordStore;
  catchUp: CatchUpLog;
  quarantine: QuarantineStore;
  counter: GenerationCounter;
  close(): Promise<void>;
}

/** Builds the runtime. Validates the config first, failing with every problem named. */
export function createRuntime(configInput: FreshindexConfigInput | FreshindexConfig, settings: RuntimeSettings, overrides: RuntimeOverrides = {}): Runtime {
  const config = validateConfig(configInput);
  const clock = overrides.clock ?? systemClock;
  const dynamodb = overrides.dynamodb ?? createDynamoClient();
  const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const stores = storeFactories[config.store.type]({ config, settings, documentClient, clock });
  const sourceDeps: SourceDeps = { dynamodb, ...overrides.sourceDeps } as SourceDeps;
  const types = new Map<string, ResolvedType>(
    config.types.map((type) => [type.name, { config: type, source: createSource(type, sourceDeps) }]),
  );
  return {
    config,
    settings,
    types,
    store: stores.store,
    records: stores.store,
    pointers: new PointerCache(stores.store, config.pointerCacheSeconds * 1000, clock),
    catchUp: stores.catchUp,
    quarantine: stores.quarantine,
    counter: stores.counter,
    documentClient,
    clock,
    close: stores.close,
  };
}

interface StoreContext {
  config: FreshindexConfig;
  settings: RuntimeSettings;
  documentClient: DynamoDBDocumentClient;
  clock: Clock;
}

/** The index backends, by `config.store.type`. */
const storeFactories: Record<FreshindexConfig['store']['type'], (context: StoreContext) => IndexStores> = {
  dynamodb: ({ config, settings, documentClient, clock }) => {
    const store = new DynamoIndexStore({
      client: documentClient,
      indexTable: settings.indexTable,
      controlTable: settings.controlTable,
      tombstoneTtlSeconds: config.tombstoneTtlSeconds,
      clock,
    });
    return {
      store,
      catchUp: new DynamoCatchUpLog(documentClient, settings.controlTable, clock),
      counter: new DynamoGenerationCounter(documentClient, settings.indexTable),
      quarantine: new DynamoQuarantineStore(documentClient, settings.controlTable),
      close: async () => {},
    };
  },
  redis: ({ config, settings, clock }) => {
    if (!settings.redisUrl) throw new ConfigError(['store.type is "redis" but FRESHINDEX_REDIS_URL is not set']);
    const keyPrefix = config.store.type === 'redis' ? config.store.keyPrefix : 'fi:';
    const stores = createRedisStores({ url: settings.redisUrl, keyPrefix, tombstoneTtlSeconds: config.tombstoneTtlSeconds, clock });
    return { ...stores, counter: stores.store };
  },
};
