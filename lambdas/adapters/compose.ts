/**
 * The composition root: turns a validated config and a deployment's settings into the adapters
 * the core runs on. The one place that maps a config's `type` discriminators to implementations.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApplyDeps, ResolvedType } from '../core/apply.ts';
import { validateConfig, type FreshindexConfig, type FreshindexConfigInput } from '../core/config/index.ts';
import { PointerCache } from '../core/pointer-cache.ts';
import { systemClock, type Clock } from '../core/ports.ts';
import { DynamoCatchUpLog } from './dynamodb/catch-up-log.ts';
import { DynamoIndexStore } from './dynamodb/index-store.ts';
import { DynamoQuarantineStore } from './dynamodb/quarantine-store.ts';
import { createSource, type SourceDeps } from './sources/index.ts';

/** Where this deployment keeps its index. */
export interface RuntimeSettings {
  indexTable: string;
  controlTable: string;
}

/** Clients and hooks a caller may inject (tests point them at emulators). */
export interface RuntimeOverrides {
  dynamodb?: DynamoDBClient;
  sourceDeps?: Partial<SourceDeps>;
  clock?: Clock;
}

/** Everything the handlers and jobs need, built once per process. */
export interface Runtime extends ApplyDeps {
  config: FreshindexConfig;
  settings: RuntimeSettings;
  store: DynamoIndexStore;
  catchUp: DynamoCatchUpLog;
  quarantine: DynamoQuarantineStore;
  documentClient: DynamoDBDocumentClient;
}

/** Builds the runtime. Validates the config first, failing with every problem named. */
export function createRuntime(configInput: FreshindexConfigInput | FreshindexConfig, settings: RuntimeSettings, overrides: RuntimeOverrides = {}): Runtime {
  const config = validateConfig(configInput);
  const clock = overrides.clock ?? systemClock;
  const dynamodb = overrides.dynamodb ?? new DynamoDBClient({});
  const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoIndexStore({
    client: documentClient,
    indexTable: settings.indexTable,
    controlTable: settings.controlTable,
    tombstoneTtlSeconds: config.tombstoneTtlSeconds,
    clock,
  });
  const sourceDeps: SourceDeps = { dynamodb, ...overrides.sourceDeps } as SourceDeps;
  const types = new Map<string, ResolvedType>(
    config.types.map((type) => [type.name, { config: type, source: createSource(type, sourceDeps) }]),
  );
  return {
    config,
    settings,
    types,
    store,
    records: store,
    pointers: new PointerCache(store, config.pointerCacheSeconds * 1000, clock),
    catchUp: new DynamoCatchUpLog(documentClient, settings.controlTable, clock),
    quarantine: new DynamoQuarantineStore(documentClient, settings.controlTable),
    documentClient,
    clock,
  };
}
