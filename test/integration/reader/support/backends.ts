/**
 * The two stores the reader reads, as one fixture shape, so the reader's behaviour is specified
 * once (`describe.each(readerBackends)`) and holds on DynamoDB (dynalite, or moto) and on Redis
 * (a real redis-server) alike.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { DynamoIndexStore } from '../../../../lambdas/adapters/dynamodb/index-store.ts';
import { DynamoQuarantineStore } from '../../../../lambdas/adapters/dynamodb/quarantine-store.ts';
import { createTables } from '../../../support/tables.ts';
import type { PointerStore, QuarantineStore, RecordStore } from '../../../../lambdas/core/ports.ts';
import { createReader, type Reader, type ReaderOptions } from '../../../../lambdas/reader/index.ts';
import { startAws, type AwsTestEnv } from '../../../support/aws.ts';
import { useRedis } from '../../../support/redis.ts';

/** The policy's options a test may set (the store's own are the fixture's). */
export type PolicyOptions = Pick<ReaderOptions, 'pointerCacheMs' | 'quarantineCacheMs' | 'fallback' | 'onFallbackError' | 'clock'>;

/** A store with a reader on it: read its fields inside hooks and tests. */
export interface ReaderWorld {
  /** The store's writers' side: what the appliers and the rebuild write through. */
  readonly index: PointerStore & RecordStore;
  readonly quarantine: QuarantineStore;
  /** A reader of this store, closed after the test. */
  reader(options?: PolicyOptions): Reader;
}

export interface ReaderBackend {
  name: string;
  /** Registers the store's hooks in the calling `describe` and returns its world. */
  use(): ReaderWorld;
}

/** Closes the readers a test opened, after it. */
function readerTracker(): { track(reader: Reader): Reader } {
  const open: Reader[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((reader) => reader.close()));
  });
  return { track: (reader) => (open.push(reader), reader) };
}

const tables = { indexTable: 'reader-index', controlTable: 'reader-control' };

function useDynamo(): ReaderWorld {
  let aws: AwsTestEnv | undefined;
  let index: DynamoIndexStore | undefined;
  let quarantine: DynamoQuarantineStore | undefined;
  beforeAll(async () => {
    aws = await startAws();
    await createTables(aws.dynamodb, tables);
    index = new DynamoIndexStore({ client: aws.doc, ...tables, tombstoneTtlSeconds: 3600 });
    quarantine = new DynamoQuarantineStore(aws.doc, tables.controlTable);
  });
  afterAll(async () => aws?.stop());
  const readers = readerTracker();
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the DynamoDB backend is not started yet; read it inside hooks and tests');
    return value;
  };
  return {
    get index() {
      return started(index);
    },
    get quarantine() {
      return started(quarantine);
    },
    reader: (options = {}) =>
      readers.track(createReader({ dynamodb: started(aws).dynamodb, ...tables, unprocessedRetry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5 }, ...options })),
  };
}

function useRedisStore(): ReaderWorld {
  const redis = useRedis();
  const readers = readerTracker();
  return {
    get index() {
      return redis.stores.store;
    },
    get quarantine() {
      return redis.stores.quarantine;
    },
    reader: (options = {}) => readers.track(createReader({ store: { type: 'redis' }, redis: redis.client, ...options })),
  };
}

/** DynamoDB and Redis, for `describe.each`. */
export const readerBackends: ReaderBackend[] = [
  { name: 'DynamoDB', use: useDynamo },
  { name: 'Redis', use: useRedisStore },
];
