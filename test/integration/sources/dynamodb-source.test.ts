import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/core/errors.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { DynamodbSource } from '../../../lambdas/adapters/sources/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

let aws: AwsTestEnv;
const tableName = `cms-videos-${randomUUID().slice(0, 8)}`;
const docs = Array.from({ length: 250 }, (_, index) => ({ videoId: `v${String(index).padStart(3, '0')}`, title: `Video ${index}`, tags: ['a', 'b'], views: index }));
const config = { type: 'dynamodb' as const, tableName, keyAttribute: 'videoId' };
const fastBackoff = { baseMs: 1, capMs: 5 };

/** Creates a source table keyed by the string attribute `key` and fills it with `items`. */
async function createSourceTable(name: string, key: string, items: readonly Record<string, unknown>[]): Promise<void> {
  await aws.dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
    }),
  );
  for (let start = 0; start < items.length; start += 25) {
    const batch = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await aws.doc.send(new BatchWriteCommand({ RequestItems: { [name]: batch } }));
  }
}

beforeAll(async () => {
  aws = await startAws();
  await createSourceTable(tableName, 'videoId', docs);
});

const clients: DynamoDBClient[] = [];

afterAll(async () => {
  clients.forEach((client) => client.destroy());
  await aws.stop();
});

/** A fresh client on the suite's backend, so middleware added by one test stays in it. */
function newClient(): DynamoDBClient {
  const client = new DynamoDBClient(aws.clientConfig('dynamodb'));
  clients.push(client);
  return client;
}

/** Counts the calls of each operation that go through `client`. */
function countCalls(client: DynamoDBClient): Map<string, number> {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return calls;
}

async function collect(pages: AsyncIterable<SourceDoc[]>): Promise<SourceDoc[][]> {
  const all: SourceDoc[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe('DynamodbSource', () => {
  it('gets one document by its key attribute', async () => {
    const source = new DynamodbSource(config, { client: aws.doc });

    const doc = await source.get('v042');

    expect(doc).toEqual(docs[42]);
  });

  it('answers undefined for a key the table does not hold', async () => {
    const source = new DynamodbSource(config, { client: aws.dynamodb });

    const doc = await source.get('nope');

    expect(doc).toBeUndefined();
  });

  it('gets many documents in BatchGetItem calls of at most 100 keys, leaving out the unknown ids', async () => {
    const client = newClient();
    const calls = countCalls(client);
    const source = new DynamodbSource(config, { client });
    const ids = [...docs.map((doc) => doc.videoId), 'missing-1', 'missing-2'];

    const found = await source.getMany(ids);

    expect(found.size).toBe(docs.length);
    expect(found.get('v199')).toEqual(docs[199]);
    expect(Object.fromEntries(calls)).toEqual({ BatchGetItemCommand: 3 });
  });

  it('asks again for the keys a BatchGetItem left unprocessed until every one is read', async () => {
    const client = newClient();
    let injected = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const output = result.output as { Responses?: Record<string, SourceDoc[]>; UnprocessedKeys?: Record<string, { Keys: SourceDoc[] }> };
        const items = output.Responses?.[tableName];
        if (injected < 3 && items && items.length > 1) {
          injected++;
          const held = items.splice(0, Math.ceil(items.length / 2));
          output.UnprocessedKeys = { [tableName]: { Keys: held.map((item) => ({ videoId: item['videoId'] })) } };
        }
        return result;
      },
      { step: 'initialize', name: 'injectUnprocessedKeys' },
    );
    const source = new DynamodbSource(config, { client, backoff: fastBackoff });

    const found = await source.getMany(docs.slice(0, 60).map((doc) => doc.videoId));

    expect(injected).toBe(3);
    expect([...found.keys()].sort()).toEqual(docs.slice(0, 60).map((doc) => doc.videoId));
  });

  it('throws a retryable SourceError when keys stay unprocessed after every retry', async () => {
    const client = newClient();
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const output = result.output as { Responses?: Record<string, SourceDoc[]>; UnprocessedKeys?: Record<string, { Keys: SourceDoc[] }> };
        const items = output.Responses?.[tableName] ?? [];
        output.Responses = { [tableName]: [] };
        output.UnprocessedKeys = { [tableName]: { Keys: items.map((item) => ({ videoId: item['videoId'] })) } };
        return result;
      },
      { step: 'initialize', name: 'neverProcess' },
    );
    const source = new DynamodbSource(config, { client, backoff: fastBackoff, unprocessedRetries: 2 });

    const error = await source.getMany(['v001', 'v002']).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).retryable).toBe(true);
  });

  it('translates throttling into a retryable SourceError', async () => {
    const client = newClient();
    client.middlewareStack.add(
      () => async () => {
        throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });
      },
      { step: 'initialize', name: 'throttle' },
    );
    const source = new DynamodbSource(config, { client });

    const error = await source.get('v001').catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).retryable).toBe(true);
  });

  it('translates a missing table into a widespread SourceError: redelivered and alerted, never blamed on one change', async () => {
    const source = new DynamodbSource({ ...config, tableName: 'no-such-table' }, { client: aws.doc });

    const error = await source.get('v001').catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ widespread: true, retryable: true });
  });

  it('scans every document in pages', async () => {
    const source = new DynamodbSource(config, { client: aws.doc });

    const pages = await collect(source.scan({ segment: 0, totalSegments: 1, pageSize: 70 }));

    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.flat().map((doc) => doc['videoId']).sort()).toEqual(docs.map((doc) => doc.videoId));
  });

  it('scans in parallel segments that are disjoint and together hold every document', async () => {
    const source = new DynamodbSource(config, { client: aws.doc });

    const segments = await Promise.all([0, 1, 2, 3].map(async (segment) => (await collect(source.scan({ segment, totalSegments: 4, pageSize: 40 }))).flat()));

    const ids = segments.flat().map((doc) => String(doc['videoId']));
    expect(ids.sort()).toEqual(docs.map((doc) => doc.videoId));
    expect(segments.filter((segment) => segment.length > 0).length).toBeGreaterThan(1);
  });

  it("estimates the count from the table's ItemCount", async () => {
    const client = withItemCount(1234);
    const source = new DynamodbSource(config, { client });

    const count = await source.estimateCount();

    expect(count).toBe(1234);
  });

  it('estimates nothing when ItemCount is 0, which may only mean it was not refreshed yet', async () => {
    const client = withItemCount(0);
    const source = new DynamodbSource(config, { client });

    const count = await source.estimateCount();

    expect(count).toBeUndefined();
  });
});

describe('DynamodbSource scans under concurrent writes', () => {
  /** A table of its own holding `count` items, so the suite's table stays as it is. */
  async function tableWith(count: number): Promise<{ name: string; ids: string[] }> {
    const name = `cms-churn-${randomUUID().slice(0, 8)}`;
    const ids = Array.from({ length: count }, (_, index) => `d${String(index).padStart(4, '0')}`);
    await createSourceTable(name, 'id', ids.map((id) => ({ id, n: 1 })));
    return { name, ids };
  }

  it('returns every item that exists throughout a scan while items are deleted and inserted between its pages', async () => {
    // Prepare
    const { name, ids } = await tableWith(300);
    const source = new DynamodbSource({ type: 'dynamodb', tableName: name, keyAttribute: 'id' }, { client: aws.doc });
    const seen: string[] = [];
    const touched = new Set<string>();

    // Act
    for await (const page of source.scan({ segment: 0, totalSegments: 1, pageSize: 20 })) {
      seen.push(...page.map((doc) => String(doc['id'])));
      // Delete two items already returned (behind the cursor) and one not returned yet, insert two.
      const behind = seen.filter((id) => !touched.has(id)).slice(0, 2);
      const ahead = ids.filter((id) => !touched.has(id) && !seen.includes(id)).slice(-1);
      for (const id of [...behind, ...ahead]) {
        touched.add(id);
        await aws.doc.send(new DeleteCommand({ TableName: name, Key: { id } }));
      }
      for (const id of [`new-${seen.length}-a`, `new-${seen.length}-b`]) await aws.doc.send(new PutCommand({ TableName: name, Item: { id, n: 1 } }));
    }

    // Assess
    const throughout = ids.filter((id) => !touched.has(id));
    expect(touched.size).toBeGreaterThan(20);
    expect(throughout.filter((id) => !seen.includes(id))).toEqual([]);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('reads scan pages with strongly consistent reads unless told otherwise', async () => {
    // Prepare
    const consistent: unknown[] = [];
    const client = newClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand') consistent.push((args.input as { ConsistentRead?: boolean }).ConsistentRead);
        return next(args);
      },
      { step: 'initialize', name: 'scanInput' },
    );

    // Act
    await collect(new DynamodbSource(config, { client }).scan({ segment: 0, totalSegments: 1, pageSize: 200 }));
    const byDefault = consistent.splice(0);
    await collect(new DynamodbSource(config, { client, consistentRead: false }).scan({ segment: 0, totalSegments: 1, pageSize: 200 }));

    // Assess
    expect(byDefault.length).toBeGreaterThan(1);
    expect(new Set(byDefault)).toEqual(new Set([true]));
    expect(new Set(consistent)).toEqual(new Set([false]));
  });

  it('asks the table for a page only when its consumer takes one, so a scan holds one page whatever the table holds', async () => {
    // Prepare
    const asked: number[] = [];
    const client = newClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand') asked.push((args.input as { Limit?: number }).Limit ?? Number.POSITIVE_INFINITY);
        return next(args);
      },
      { step: 'initialize', name: 'scanLimits' },
    );
    const pages = new DynamodbSource(config, { client }).scan({ segment: 0, totalSegments: 1, pageSize: 30 })[Symbol.asyncIterator]();
    const idle = () => new Promise((resolve) => setTimeout(resolve, 50));

    // Act
    const first = await pages.next();
    await idle();
    const askedAfterFirst = [...asked];
    const second = await pages.next();
    await idle();
    const askedAfterSecond = [...asked];
    await pages.return?.();

    // Assess
    expect(first.value).toHaveLength(30);
    expect(second.value).toHaveLength(30);
    expect(askedAfterFirst).toEqual([30]);
    expect(askedAfterSecond).toEqual([30, 30]);
  });

  it('says its scan is stable, so the rebuild needs no reconciliation', () => {
    expect(new DynamodbSource(config, { client: aws.doc }).stableScan).toBe(true);
  });
});

/** A client whose DescribeTable reports `itemCount` (emulators do not maintain ItemCount like DynamoDB). */
function withItemCount(itemCount: number): DynamoDBClient {
  const client = newClient();
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as { Table?: { ItemCount?: number } };
      if (output.Table) output.Table.ItemCount = itemCount;
      return result;
    },
    { step: 'initialize', name: 'itemCount' },
  );
  return client;
}
