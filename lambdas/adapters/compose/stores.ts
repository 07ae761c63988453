/**
 * The per-store factory tables of the composition root: for each `config.store.type`, the index
 * (records, pointers, catch-up log, quarantine) and the control part (build control,
 * reservations, counters, audit reports).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditReportStore } from '../../core/audit/ports.ts';
import type { EmbeddingCache } from '../../core/embed/ports.ts';
import type { FreshindexConfig } from '../../core/config/index.ts';
import { ConfigError } from '../../core/errors.ts';
import type { CatchUpLog, Clock, PointerStore, QuarantineStore, RecordStore } from '../../core/ports.ts';
import type { BuildRecordStore, CapacityProbe, ChildResultStore, GenerationCounter, LeaseStore, RetirementStore, TableWarmer } from '../../core/rebuild/ports.ts';
import type { ReservationStore } from '../../core/rebuild/reservation.ts';
import type { DifferenceCounters } from '../../core/verify/ports.ts';
import { DynamoAuditReportStore } from '../dynamodb/audit-reports.ts';
import { DynamoGenerationCounter } from '../dynamodb/build-counter.ts';
import { DynamoBuildControl } from '../dynamodb/builds.ts';
import { DynamoChildResults } from '../dynamodb/child-results.ts';
import { DynamoTableCapacity } from '../dynamodb/capacity.ts';
import { DynamoCatchUpLog } from '../dynamodb/catch-up-log.ts';
import { DynamoDifferenceCounters } from '../dynamodb/checks.ts';
import { DynamoEmbeddingCache } from '../dynamodb/embedding-cache.ts';
import { DynamoIndexStore } from '../dynamodb/index-store.ts';
import { DynamoQuarantineStore } from '../dynamodb/quarantine-store.ts';
import { DynamoBuildReservations } from '../dynamodb/reservations.ts';
import { createRedisStores } from '../redis/index.ts';

/** Where a deployment keeps its index and control state. */
export interface StoreSettings {
  indexTable: string;
  controlTable: string;
  /** The Redis/Valkey URL, when the config selects `store: { type: 'redis' }` (FRESHINDEX_REDIS_URL). */
  redisUrl?: string | undefined;
  /** The Secrets Manager secret holding the Redis AUTH token (FRESHINDEX_REDIS_AUTH_SECRET_ARN). */
  redisAuthSecretArn?: string | undefined;
}

/** What a store factory gets. */
export interface StoreContext {
  config: FreshindexConfig;
  settings: StoreSettings;
  dynamodb: DynamoDBClient;
  document: DynamoDBDocumentClient;
  clock: Clock;
}

/** The ports one store type keeps: the index and the control part. */
export interface StorePorts {
  records: RecordStore;
  /** The pointer store itself, uncached: what the rebuild, the audit and the ops API read and flip. */
  pointerStore: PointerStore;
  catchUp: CatchUpLog;
  quarantine: QuarantineStore;
  /** Build leases, build records and retirements. */
  builds: LeaseStore & BuildRecordStore & RetirementStore;
  /** The ops API's rebuild reservations. */
  reservations: ReservationStore;
  /** Where a split load's children leave their results for the parent (an AWS Batch array job's). */
  childResults: ChildResultStore;
  /** Counts a generation without reading its records; undefined: callers scan `records`. */
  counter: GenerationCounter | undefined;
  /** The index table's capacity mode and warm throughput (DynamoDB); undefined: the rebuild's default clean-up rate. */
  capacity: (CapacityProbe & TableWarmer) | undefined;
  /** The checker's per-resource difference counters. */
  differences: DifferenceCounters;
  auditReports: AuditReportStore;
  /** Vectors already computed, by embedding key, in the index store (core/embed). */
  embeddings: EmbeddingCache;
}

type StoreType = FreshindexConfig['store']['type'];

/** A store type's ports, and how to close the connections they opened. */
export type StoreParts = StorePorts & { close(): Promise<void> };

/**
 * The store backends, by `config.store.type`. DynamoDB keeps the index in the index table and the
 * control part in the control table; Redis keeps both in Valkey, on one connection, so a Redis
 * deployment needs no DynamoDB table (docs/redis.md, "All state in Valkey").
 */
export const storeFactories: Record<StoreType, (context: StoreContext) => StoreParts> = {
  dynamodb: ({ config, settings, dynamodb, document, clock }) => {
    const store = new DynamoIndexStore({
      client: document,
      indexTable: settings.indexTable,
      controlTable: settings.controlTable,
      tombstoneTtlSeconds: config.tombstoneTtlSeconds,
      clock,
    });
    return {
      records: store,
      pointerStore: store,
      catchUp: new DynamoCatchUpLog(document, settings.controlTable, clock),
      quarantine: new DynamoQuarantineStore(document, settings.controlTable),
      builds: new DynamoBuildControl(document, settings.controlTable),
      reservations: new DynamoBuildReservations(document, settings.controlTable),
      childResults: new DynamoChildResults(document, settings.controlTable, clock),
      counter: new DynamoGenerationCounter(document, settings.indexTable),
      capacity: new DynamoTableCapacity(dynamodb, settings.indexTable),
      differences: new DynamoDifferenceCounters(document, settings.controlTable, clock),
      auditReports: new DynamoAuditReportStore(document, settings.controlTable),
      embeddings: new DynamoEmbeddingCache({ client: document, table: settings.indexTable, clock }),
      close: async () => {},
    };
  },
  redis: ({ config, settings, clock }) => {
    if (!settings.redisUrl) throw new ConfigError(['store.type is "redis" but FRESHINDEX_REDIS_URL is not set']);
    const keyPrefix = config.store.type === 'redis' ? config.store.keyPrefix : 'fi:';
    const stores = createRedisStores({
      url: settings.redisUrl,
      authSecretArn: settings.redisAuthSecretArn,
      keyPrefix,
      tombstoneTtlSeconds: config.tombstoneTtlSeconds,
      clock,
    });
    return {
      records: stores.store,
      pointerStore: stores.store,
      catchUp: stores.catchUp,
      quarantine: stores.quarantine,
      builds: stores.builds,
      reservations: stores.reservations,
      childResults: stores.childResults,
      counter: stores.counter,
      // The clean-up's rate on Redis is the rebuild's default: Valkey has no capacity mode to read.
      capacity: undefined,
      differences: stores.differences,
      auditReports: stores.auditReports,
      embeddings: stores.embeddings,
      close: stores.close,
    };
  },
};
