import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import { createTables } from '../../support/tables.ts';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { initialPointer } from '../../../lambdas/core/pointer.ts';
import { createReader } from '../../../lambdas/reader/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

const tables = { indexTable: 'reader-batch-index', controlTable: 'reader-batch-control' };
const fastRetry = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5 };

let aws: AwsTestEnv;
let store: DynamoIndexStore;
let typeSeq = 0;

beforeAll(async () => {
  aws = await startAws();
  await createTables(aws.dynamodb, tables);
  store = new DynamoIndexStore({ client: aws.doc, ...tables, tombstoneTtlSeconds: 3600 });
});

afterAll(async () => {
  await aws.stop();
});

/** A fresh type whose active generation 1 holds `records`. */
async function indexedType(records: Record<string, unknown>): Promise<string> {
  const type = `b${++typeSeq}`;
  await store.swapPointer(undefined, initialPointer(type, Date.now()));
  await store.write(type, 1, Object.entries(records).map(([id, record]) => ({ kind: 'upsert', id, version: 1, hash: contentHash(record), record })));
  return type;
}

/** A client whose BatchGetItem answers pass through `tamper` first. */
function tamperedClient(tamper: (call: number, input: BatchInput, output: BatchOutput) => void): DynamoDBClient {
  const client = new DynamoDBClient(aws.clientConfig('dynamodb'));
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'BatchGetItemCommand') tamper(++calls, args.input as BatchInput, result.output as BatchOutput);
      return result;
    },
    { step: 'initialize', name: 'tamperBatchGet' },
  );
  return client;
}

describe('reader on DynamoDB, BatchGetItem', () => {
  it('retries the keys BatchGetItem leaves unprocessed', async () => {
    const records = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`r${i}`, { n: i }]));
    const type = await indexedType(records);
    let batchCalls = 0;
    const client = tamperedClient((call, input, output) => {
      batchCalls = call;
      if (call === 1) leaveUnprocessed(input, output, tables.indexTable, 25);
    });
    const reader = createReader({ dynamodb: client, ...tables, unprocessedRetry: fastRetry });

    const results = await reader.getMany(type, Object.keys(records));

    expect(batchCalls).toBe(2);
    expect(results.map((result) => result.record)).toEqual(Object.values(records));
    client.destroy();
  });

  it('fails with a retryable StoreError when keys stay unprocessed after every retry', async () => {
    const type = await indexedType({ a: { n: 1 }, b: { n: 2 } });
    const client = tamperedClient((_call, input, output) => leaveUnprocessed(input, output, tables.indexTable, 0));
    const reader = createReader({ dynamodb: client, ...tables, unprocessedRetry: fastRetry });

    const failure = reader.getMany(type, ['a', 'b']);

    await expect(failure).rejects.toBeInstanceOf(StoreError);
    await expect(failure).rejects.toMatchObject({ retryable: true });
    client.destroy();
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
  // A record's sort key is its id (keys.ts), which the (projected) item carries too.
  const leftIds = new Set(left.map((key) => stringOf(key['sk'])));
  const responses = output.Responses?.[table] ?? [];
  output.Responses = { [table]: responses.filter((item) => !leftIds.has(stringOf(item['id']))) };
  if (left.length > 0) output.UnprocessedKeys = { [table]: { ...request, Keys: left } };
}

/** A string attribute, marshalled (`{ S }`) or not: the middleware sees what the document client sent. */
function stringOf(value: unknown): string {
  return typeof value === 'object' && value !== null && 'S' in value ? String((value as { S: unknown }).S) : String(value);
}
