import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import { DynamoQuarantineStore } from '../../../lambdas/adapters/dynamodb/quarantine-store.ts';
import { createTables } from '../../../lambdas/adapters/dynamodb/tables.ts';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { initialPointer, nextPointer, type Pointer } from '../../../lambdas/core/pointer.ts';
import type { RecordWrite } from '../../../lambdas/core/records.ts';
import { createReader, sourceFallback, type ReaderOptions } from '../../../lambdas/reader/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';

const tables = { indexTable: 'reader-index', controlTable: 'reader-control' };
const fastRetry = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5 };

let aws: AwsTestEnv;
let store: DynamoIndexStore;
let quarantine: DynamoQuarantineStore;
let typeSeq = 0;

beforeAll(async () => {
  aws = await startAws();
  await createTables(aws.dynamodb, tables);
  store = new DynamoIndexStore({ client: aws.doc, ...tables, tombstoneTtlSeconds: 3600 });
  quarantine = new DynamoQuarantineStore(aws.doc, tables.controlTable);
});

afterAll(async () => {
  await aws.stop();
});

const upsert = (id: string, version: number, record: unknown): RecordWrite => ({ kind: 'upsert', id, version, hash: contentHash(record), record });

/** A fresh type whose active generation 1 holds `records`. */
async function indexedType(records: Record<string, unknown>): Promise<{ type: string; pointer: Pointer }> {
  const type = `t${++typeSeq}`;
  const pointer = initialPointer(type, Date.now());
  await store.swapPointer(undefined, pointer);
  await store.write(type, 1, Object.entries(records).map(([id, record]) => upsert(id, 1, record)));
  return { type, pointer };
}

function reader(options: Partial<ReaderOptions> = {}) {
  return createReader({ dynamodb: aws.dynamodb, ...tables, pointerCacheMs: 1_000, unprocessedRetry: fastRetry, ...options });
}

async function quarantineIds(type: string, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    await quarantine.add({ type, id, since: Date.now(), differences: 3, lastDifference: 'content differs', cleanChecks: 0 });
  }
}

describe('reader', () => {
  it('returns one result per requested id, in request order, across several BatchGetItem calls', async () => {
    const records = Object.fromEntries(Array.from({ length: 230 }, (_, i) => [`r${i}`, { n: i }]));
    const { type } = await indexedType(records);
    const ids = [...Object.keys(records).reverse(), 'nope', 'r5', 'r5'];

    const results = await reader().getMany(type, ids);

    expect(results.map((result) => result.id)).toEqual(ids);
    expect(results.slice(0, 3).map((result) => result.record)).toEqual([{ n: 229 }, { n: 228 }, { n: 227 }]);
    expect(results.at(-3)).toMatchObject({ id: 'nope', from: 'missing', record: undefined });
    expect(results.slice(-2).map((result) => [result.from, result.record])).toEqual([['index', { n: 5 }], ['index', { n: 5 }]]);
  });

  it('reads one resource with its version and generation', async () => {
    const { type } = await indexedType({ a: { title: 'A' } });

    const result = await reader().get(type, 'a');

    expect(result).toEqual({ id: 'a', record: { title: 'A' }, from: 'index', quarantined: false, version: 1, generation: 1 });
  });

  it('reads a tombstone as missing', async () => {
    const { type } = await indexedType({ a: { title: 'A' }, b: { title: 'B' } });
    await store.write(type, 1, [{ kind: 'delete', id: 'a', version: 2 }]);

    const results = await reader().getMany(type, ['a', 'b']);

    expect(results.map((result) => result.from)).toEqual(['missing', 'index']);
  });

  it('answers missing for a type that was never indexed, without creating its pointer', async () => {
    const type = `t${++typeSeq}`;

    const result = await reader().get(type, 'a');

    expect(result.from).toBe('missing');
    expect(await store.readPointer(type)).toBeUndefined();
  });

  it('retries the keys BatchGetItem leaves unprocessed', async () => {
    const records = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`r${i}`, { n: i }]));
    const { type } = await indexedType(records);
    const client = new DynamoDBClient(aws.clientConfig('dynamodb'));
    let batchCalls = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchGetItemCommand') return next(args);
        batchCalls += 1;
        const result = await next(args);
        if (batchCalls === 1) leaveUnprocessed(args.input as BatchInput, result.output as BatchOutput, tables.indexTable, 25);
        return result;
      },
      { step: 'initialize', name: 'leaveUnprocessedKeys' },
    );

    const results = await reader({ dynamodb: client }).getMany(type, Object.keys(records));

    expect(batchCalls).toBe(2);
    expect(results.map((result) => result.record)).toEqual(Object.values(records));
    client.destroy();
  });

  it('fails with a retryable StoreError when keys stay unprocessed after every retry', async () => {
    const { type } = await indexedType({ a: { n: 1 }, b: { n: 2 } });
    const client = new DynamoDBClient(aws.clientConfig('dynamodb'));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'BatchGetItemCommand') leaveUnprocessed(args.input as BatchInput, result.output as BatchOutput, tables.indexTable, 0);
        return result;
      },
      { step: 'initialize', name: 'leaveEveryKeyUnprocessed' },
    );

    const failure = reader({ dynamodb: client }).getMany(type, ['a', 'b']);

    await expect(failure).rejects.toBeInstanceOf(StoreError);
    await expect(failure).rejects.toMatchObject({ retryable: true });
    client.destroy();
  });

  it('sees a pointer flip once its cached pointer has expired, and not before', async () => {
    const { type, pointer } = await indexedType({ a: { gen: 1 } });
    await store.write(type, 2, [upsert('a', 2, { gen: 2 })]);
    let now = 1_000_000;
    const cached = reader({ pointerCacheMs: 5_000, clock: () => now });
    await cached.get(type, 'a');

    await store.swapPointer(pointer, nextPointer(pointer, { active: 2, previous: 1, nextGeneration: 3 }, Date.now()));
    const beforeExpiry = await cached.get(type, 'a');
    now += 5_000;
    const afterExpiry = await cached.get(type, 'a');

    expect([beforeExpiry.record, beforeExpiry.generation]).toEqual([{ gen: 1 }, 1]);
    expect([afterExpiry.record, afterExpiry.generation]).toEqual([{ gen: 2 }, 2]);
  });

  it('never reads the building generation', async () => {
    const { type, pointer } = await indexedType({ a: { gen: 1 } });
    await store.swapPointer(pointer, nextPointer(pointer, { building: { generation: 2, buildId: 'b1', startedAt: Date.now() }, nextGeneration: 3 }, Date.now()));
    await store.write(type, 2, [upsert('a', 2, { gen: 2 }), upsert('new', 1, { gen: 2 })]);

    const results = await reader().getMany(type, ['a', 'new']);

    expect(results.map((result) => [result.from, result.record])).toEqual([['index', { gen: 1 }], ['missing', undefined]]);
  });

  it('serves quarantined ids from the fallback and says so', async () => {
    const { type } = await indexedType({ a: { v: 'index' }, b: { v: 'index' } });
    await quarantineIds(type, 'b');
    const asked: string[][] = [];
    const fallback = async (_type: string, ids: readonly string[]) => {
      asked.push([...ids]);
      return new Map(ids.map((id) => [id, { v: 'source' }]));
    };

    const results = await reader({ fallback }).getMany(type, ['a', 'b']);

    expect(results).toMatchObject([
      { id: 'a', from: 'index', quarantined: false, record: { v: 'index' } },
      { id: 'b', from: 'fallback', quarantined: true, record: { v: 'source' } },
    ]);
    expect(asked).toEqual([['b']]);
  });

  it('serves the index record, flagged quarantined, when the fallback fails', async () => {
    const { type } = await indexedType({ a: { v: 'index' } });
    await quarantineIds(type, 'a');
    const errors: unknown[] = [];

    const result = await reader({
      fallback: async () => {
        throw new Error('source down');
      },
      onFallbackError: (error) => errors.push(error),
    }).get(type, 'a');

    expect(result).toMatchObject({ from: 'index', quarantined: true, record: { v: 'index' } });
    expect(errors).toHaveLength(1);
  });

  it('reads quarantined ids from the index, flagged, when no fallback is configured', async () => {
    const { type } = await indexedType({ a: { v: 'index' } });
    await quarantineIds(type, 'a');

    const result = await reader().get(type, 'a');

    expect(result).toMatchObject({ from: 'index', quarantined: true, record: { v: 'index' } });
  });

  it('keeps serving a released resource from the fallback until the quarantine cache expires', async () => {
    const { type } = await indexedType({ a: { v: 'index' } });
    await quarantineIds(type, 'a');
    let now = 0;
    const fallback = async (_type: string, ids: readonly string[]) => new Map(ids.map((id) => [id, { v: 'source' }]));
    const cached = reader({ fallback, quarantineCacheMs: 2_000, clock: () => now });
    await cached.get(type, 'a');

    await quarantine.release(type, 'a');
    const beforeExpiry = await cached.get(type, 'a');
    now += 2_000;
    const afterExpiry = await cached.get(type, 'a');

    expect([beforeExpiry.from, afterExpiry.from]).toEqual(['fallback', 'index']);
  });
});

describe('sourceFallback', () => {
  let cms: CmsServer;
  beforeAll(async () => {
    cms = await startCmsServer();
  });
  afterAll(async () => {
    await cms.stop();
  });

  it('reads a quarantined resource from the source through the type\'s transform', async () => {
    const { type } = await indexedType({ v1: { title: 'drifted' } });
    await quarantineIds(type, 'v1', 'gone');
    cms.docs.set('v1', { id: 'v1', title: 'Right', updatedAt: 7 });
    const config = {
      types: [{ name: type, source: cmsSource(cms), transform: (doc: Record<string, unknown>) => ({ title: doc['title'] }), version: (doc: Record<string, unknown>) => doc['updatedAt'] as number }],
    };

    const results = await reader({ fallback: sourceFallback(config) }).getMany(type, ['v1', 'gone']);

    expect(results).toMatchObject([
      { id: 'v1', from: 'fallback', quarantined: true, record: { title: 'Right' } },
      { id: 'gone', from: 'missing', quarantined: true },
    ]);
  });
});

type WireKey = Record<string, unknown>;
type BatchInput = { RequestItems: Record<string, { Keys: WireKey[] }> };
type BatchOutput = { Responses?: Record<string, WireKey[]>; UnprocessedKeys?: Record<string, { Keys: WireKey[] }> };

/** Makes a BatchGetItem answer look as if DynamoDB processed only the first `processed` keys. */
function leaveUnprocessed(input: BatchInput, output: BatchOutput, table: string, processed: number): void {
  const request = input.RequestItems[table];
  if (!request) return;
  const left = request.Keys.slice(processed);
  // The key's sort key is the id, which the (projected) item carries too.
  const leftIds = new Set(left.map((key) => stringOf(key['sk'])));
  const responses = output.Responses?.[table] ?? [];
  output.Responses = { [table]: responses.filter((item) => !leftIds.has(stringOf(item['id']))) };
  if (left.length > 0) output.UnprocessedKeys = { [table]: { ...request, Keys: left } };
}

/** A string attribute, marshalled (`{ S }`) or not: the middleware sees what the document client sent. */
function stringOf(value: unknown): string {
  return typeof value === 'object' && value !== null && 'S' in value ? String((value as { S: unknown }).S) : String(value);
}
