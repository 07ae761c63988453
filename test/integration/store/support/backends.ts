/**
 * The backends every contract suite of test/integration/store runs against: DynamoDB (dynalite,
 * or moto_server in the `integration-moto` project), Redis (a real redis-server) and the
 * in-memory set the unit tests use. Each `fresh()` hands out every port of one empty deployment.
 * A new backend joins by adding an entry to `backends`.
 */
import type { AuditReportStore } from '../../../../lambdas/core/audit/ports.ts';
import type { EmbeddingCache } from '../../../../lambdas/core/embed/ports.ts';
import { DynamoEmbeddingCache } from '../../../../lambdas/adapters/dynamodb/embedding-cache.ts';
import type { CatchUpLog, PointerStore, QuarantineStore, RecordStore } from '../../../../lambdas/core/ports.ts';
import type { BuildRecordStore, ChildResultStore, GenerationCounter, LeaseStore, RetirementStore } from '../../../../lambdas/core/rebuild/index.ts';
import type { ReservationStore } from '../../../../lambdas/core/rebuild/reservation.ts';
import type { DifferenceCounters } from '../../../../lambdas/core/verify/ports.ts';
import { DynamoAuditReportStore } from '../../../../lambdas/adapters/dynamodb/audit-reports.ts';
import { DynamoGenerationCounter } from '../../../../lambdas/adapters/dynamodb/build-counter.ts';
import { DynamoBuildControl } from '../../../../lambdas/adapters/dynamodb/builds.ts';
import { DynamoChildResults } from '../../../../lambdas/adapters/dynamodb/child-results.ts';
import { DynamoCatchUpLog } from '../../../../lambdas/adapters/dynamodb/catch-up-log.ts';
import { DynamoDifferenceCounters } from '../../../../lambdas/adapters/dynamodb/checks.ts';
import { DynamoIndexStore } from '../../../../lambdas/adapters/dynamodb/index-store.ts';
import { DynamoQuarantineStore } from '../../../../lambdas/adapters/dynamodb/quarantine-store.ts';
import { DynamoBuildReservations } from '../../../../lambdas/adapters/dynamodb/reservations.ts';
import { createTables } from '../../../support/tables.ts';
import { createRedisStores } from '../../../../lambdas/adapters/redis/index.ts';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startAws } from '../../../support/aws.ts';
import {
  MemoryAuditReports,
  MemoryCatchUpLog,
  MemoryChildResults,
  MemoryControl,
  MemoryDifferenceCounters,
  MemoryEmbeddingCache,
  MemoryGenerationCounter,
  MemoryIndex,
  MemoryQuarantine,
  MemoryReservations,
} from '../../../support/memory/index.ts';
import { startRedis } from '../../../support/redis.ts';

/** Every port of one deployment's state, as a backend implements them. */
export interface Ports {
  store: PointerStore & RecordStore;
  catchUp: CatchUpLog;
  quarantine: QuarantineStore;
  builds: LeaseStore & BuildRecordStore & RetirementStore;
  reservations: ReservationStore;
  childResults: ChildResultStore;
  counter: GenerationCounter;
  differences: DifferenceCounters;
  auditReports: AuditReportStore;
  embeddings: EmbeddingCache;
}

export interface StartedBackend {
  /** The ports of an empty deployment (earlier state gone or out of sight). */
  fresh(): Promise<Ports>;
  /** A raw client of the Redis backend, to arrange what the ports cannot (Redis only). */
  redisClient?(): import('ioredis').Redis;
  /** The memory index behind the last `fresh()` (memory only). */
  memoryIndex?(): MemoryIndex;
  stop(): Promise<void>;
}

let tableSeq = 0;

/** The backends by name. */
export const backends: Record<'dynamodb' | 'redis' | 'memory', () => Promise<StartedBackend>> = {
  async dynamodb() {
    const aws = await startAws();
    return {
      async fresh() {
        const names = { indexTable: `c-idx-${++tableSeq}-${process.pid}`, controlTable: `c-ctl-${tableSeq}-${process.pid}` };
        await createTables(aws.dynamodb, names);
        const control = names.controlTable;
        return {
          store: new DynamoIndexStore({ client: aws.doc, ...names, tombstoneTtlSeconds: 3600 }),
          catchUp: new DynamoCatchUpLog(aws.doc, control),
          quarantine: new DynamoQuarantineStore(aws.doc, control),
          builds: new DynamoBuildControl(aws.doc, control),
          reservations: new DynamoBuildReservations(aws.doc, control),
          childResults: new DynamoChildResults(aws.doc, control),
          counter: new DynamoGenerationCounter(aws.doc, names.indexTable, 2),
          differences: new DynamoDifferenceCounters(aws.doc, control),
          auditReports: new DynamoAuditReportStore(aws.doc, control),
          embeddings: new DynamoEmbeddingCache({ client: aws.doc, table: names.indexTable }),
        };
      },
      stop: () => aws.stop(),
    };
  },
  async redis() {
    const server = await startRedis();
    const stores = createRedisStores({ url: server.url, keyPrefix: 'fi:', tombstoneTtlSeconds: 3600 });
    return {
      async fresh() {
        await server.flush();
        return stores;
      },
      redisClient: () => server.client(),
      async stop() {
        await stores.close();
        await server.stop();
      },
    };
  },
  async memory() {
    let index = new MemoryIndex();
    return {
      async fresh() {
        index = new MemoryIndex();
        const control = new MemoryControl();
        return {
          store: index,
          catchUp: new MemoryCatchUpLog(),
          quarantine: new MemoryQuarantine(),
          builds: control,
          reservations: new MemoryReservations(),
          childResults: new MemoryChildResults(),
          counter: new MemoryGenerationCounter(index),
          differences: new MemoryDifferenceCounters(),
          auditReports: new MemoryAuditReports(),
          embeddings: new MemoryEmbeddingCache(),
        };
      },
      memoryIndex: () => index,
      stop: async () => {},
    };
  },
};

/** `[name, start]` pairs for `describe.each`. */
export const eachBackend = Object.entries(backends) as Array<[keyof typeof backends, () => Promise<StartedBackend>]>;

/**
 * Starts `start`'s backend for the calling `describe` and hands out fresh ports before each test.
 *
 * @example
 * describe.each(eachBackend)('quarantine contract: %s', (_name, start) => {
 *   const env = useBackend(start);
 *   it('…', async () => { await env.ports.quarantine.add(entry) });
 * });
 */
export function useBackend(start: () => Promise<StartedBackend>): { readonly ports: Ports; readonly backend: StartedBackend } {
  let backend: StartedBackend | undefined;
  let ports: Ports | undefined;
  beforeAll(async () => {
    backend = await start();
  });
  afterAll(async () => backend?.stop());
  beforeEach(async () => {
    ports = await (backend as StartedBackend).fresh();
  });
  return {
    get ports() {
      if (!ports) throw new Error('useBackend(): read the ports inside tests');
      return ports;
    },
    get backend() {
      if (!backend) throw new Error('useBackend(): read the backend inside hooks and tests');
      return backend;
    },
  };
}
