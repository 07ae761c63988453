/**
 * The per-store factory tables of the composition root: for each `config.store.type`, the index
 * (records, pointers, catch-up log, quarantine) and the control part (build control,
 * reservations, counters, audit reports).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditReportStore } from '../../core/audit/ports.ts';
import type { FreshindexConfig } from '../../core/config/index.ts';
import { ConfigError } from '../../core/errors.ts';
import type { CatchUpLog, Clock, PointerStore, QuarantineStore, RecordStore } from '../../core/ports.ts';
import type { BuildRecordStore, CapacityProbe, GenerationCounter, LeaseStore, RetirementStore } from '../../core/rebuild/ports.ts';
import type { ReservationStore } from '../../core/rebuild/reservation.ts';
import type { DifferenceCounters } from '../../core/verify/ports.ts';
import { DynamoAuditReportStore } from '../dynamodb/audit-reports.ts';
import { DynamoGenerationCounter } from '../dynamodb/build-counter.ts';
import { DynamoBuildControl } from '../dynamodb/builds.ts';
import { DynamoTableCapacity } from '../dynamodb/capacity.ts';
import { DynamoCatchUpLog } from '../dynamodb/catch-up-log.ts';
import { DynamoDifferenceCounters } from '../dynamodb/checks.ts';
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

/** The index of one store type. */
export interface IndexParts {
  records: RecordStore;
  pointerStore: PointerStore;
  catchUp: CatchUpLog;
  quarantine: QuarantineStore;
  /** Closes the connections the parts opened. */
  close(): Promise<void>;
}

/** Build control, reservations, counters and audit reports of one store type. */
export interface ControlParts {
  builds: LeaseStore & BuildRecordStore & RetirementStore;
  reservations: ReservationStore;
  /** Counts a generation without reading its records; undefined: callers scan the record store. */
  counter: GenerationCounter | undefined;
  /** The index table's write capacity (sets the clean-up rate); undefined: the rebuild's default rate. */
  capacity: CapacityProbe | undefined;
  differences: DifferenceCounters;
  auditReports: AuditReportStore;
  close(): Promise<void>;
}

type StoreType = FreshindexConfig['store']['type'];

/** The index backends, by `config.store.type`. */
export const indexFactories: Record<StoreType, (context: StoreContext) => IndexParts> = {
  dynamodb: ({ config, settings, document, clock }) => {
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
      close: async () => {},
    };
  },
  redis: ({ config, settings, clock }) => {
    if (!settings.redisUrl) throw new ConfigError(['store.type is "redis" but FRESHINDEX_REDIS_URL is not set']);
    const keyPrefix = config.store.type === 'redis' ? config.store.keyPrefix : 'fi:';
    const stores = createRedisStores({ url: settings.redisUrl, keyPrefix, tombstoneTtlSeconds: config.tombstoneTtlSeconds, clock });
    return { records: stores.store, pointerStore: stores.store, catchUp: stores.catchUp, quarantine: stores.quarantine, close: stores.close };
  },
};

/** Build control on the DynamoDB control table; the index-table probes only when the index is there too. */
function dynamoControl({ settings, dynamodb, document, clock }: StoreContext, indexOnDynamo: boolean): ControlParts {
  const builds = new DynamoBuildControl(document, settings.controlTable);
  return {
    builds,
    reservations: new DynamoBuildReservations(document, settings.controlTable),
    counter: indexOnDynamo ? new DynamoGenerationCounter(document, settings.indexTable) : undefined,
    capacity: indexOnDynamo ? new DynamoTableCapacity(dynamodb, settings.indexTable) : undefined,
    differences: new DynamoDifferenceCounters(document, settings.controlTable, clock),
    auditReports: new DynamoAuditReportStore(document, settings.controlTable),
    close: async () => {},
  };
}

/** The control backends, by `config.store.type`. */
export const controlFactories: Record<StoreType, (context: StoreContext) => ControlParts> = {
  dynamodb: (context) => dynamoControl(context, true),
  // Until the Redis control adapters land, a Redis deployment keeps its control state in the
  // DynamoDB control table; its generations are counted by a scan of the Redis records.
  redis: (context) => dynamoControl(context, false),
};
