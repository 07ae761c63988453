/** The rebuild's ports on DynamoDB (dynalite or moto), with an in-memory source of truth. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { applyChanges, type ApplyDeps } from '../../../../lambdas/core/apply.ts';
import type { TypeConfig } from '../../../../lambdas/core/config/index.ts';
import { PointerCache } from '../../../../lambdas/core/pointer-cache.ts';
import type { RebuildDeps, RebuildOptions } from '../../../../lambdas/core/rebuild/index.ts';
import { DynamoGenerationCounter } from '../../../../lambdas/adapters/dynamodb/build-counter.ts';
import { DynamoBuildControl } from '../../../../lambdas/adapters/dynamodb/builds.ts';
import { DynamoCatchUpLog } from '../../../../lambdas/adapters/dynamodb/catch-up-log.ts';
import { DynamoIndexStore } from '../../../../lambdas/adapters/dynamodb/index-store.ts';
import { createTables } from '../../../support/tables.ts';
import type { AwsTestEnv } from '../../../support/aws.ts';
import { MemoryNotifier, MemorySource } from '../../../support/memory/index.ts';
import type { InterleavingWorld } from '../../../unit/rebuild/support/interleaving.ts';

let tables = 0;

/** Fresh tables with unique names. */
export async function freshTables(aws: AwsTestEnv): Promise<{ indexTable: string; controlTable: string }> {
  const names = { indexTable: `rb-index-${++tables}-${process.pid}`, controlTable: `rb-control-${tables}-${process.pid}` };
  await createTables(aws.dynamodb, names);
  return names;
}

export interface DynamoWorld extends InterleavingWorld {
  store: DynamoIndexStore;
  control: DynamoBuildControl;
  catchUp: DynamoCatchUpLog;
  notifier: MemoryNotifier;
  names: { indexTable: string; controlTable: string };
}

/**
 * The rebuild's ports on fresh tables. `doc` is the client every port uses (default the suite's
 * own; the fault suite passes one with faults injected); the tables are created with the clean one.
 */
export async function createDynamoWorld(aws: AwsTestEnv, type: TypeConfig, pointerCacheMs: number, doc: DynamoDBDocumentClient = aws.doc): Promise<DynamoWorld> {
  const names = await freshTables(aws);
  const store = new DynamoIndexStore({ client: doc, ...names, tombstoneTtlSeconds: 3600 });
  const control = new DynamoBuildControl(doc, names.controlTable);
  const catchUp = new DynamoCatchUpLog(doc, names.controlTable);
  const source = new MemorySource();
  const notifier = new MemoryNotifier();
  const deps: RebuildDeps = {
    source,
    pointers: store,
    records: store,
    catchUp,
    leases: control,
    builds: control,
    retirements: control,
    notifier,
    counter: new DynamoGenerationCounter(doc, names.indexTable, 2),
    clock: Date.now,
  };
  const options: RebuildOptions = {
    pointerCacheMs,
    settleMarginMs: 20,
    tombstoneTtlSeconds: 3600,
    holder: 'integration-test',
    lease: { ttlMs: 5_000, heartbeatMs: 500 },
    concurrency: 2,
    pageSize: 10,
    chunkSize: 25,
    writesInFlight: 4,
    progressIntervalMs: 100,
    sampleRecheck: { attempts: 5, delayMs: 20 },
    cleanupDeletesPerSecond: 50_000,
    retry: { baseMs: 1, capMs: 20 },
  };
  return {
    type,
    source,
    index: store,
    store,
    control,
    catchUp,
    notifier,
    names,
    deps,
    options,
    applier() {
      const applyDeps: ApplyDeps = {
        types: new Map([[type.name, { config: type, source }]]),
        pointers: new PointerCache(store, pointerCacheMs, Date.now),
        records: store,
        catchUp,
        clock: Date.now,
      };
      return (changes) => applyChanges(applyDeps, changes);
    },
  };
}
