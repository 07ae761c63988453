import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import { StoreError } from '../../core/errors.ts';
import { translateDynamoError } from './errors.ts';

type Key = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Key } };

/** Backoff for unprocessed items and keys: exponential with jitter, about 10 s in all. */
export interface UnprocessedRetry {
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

export const DEFAULT_UNPROCESSED_RETRY: UnprocessedRetry = { retries: 8, minTimeoutMs: 25, maxTimeoutMs: 2_000 };

class Unprocessed extends Error {
  constructor(readonly count: number) {
    super(`${count} left unprocessed`);
  }
}

/**
 * Runs `call` on `pending` until DynamoDB has processed all of it: `call` returns what was left
 * unprocessed, which is retried with exponential backoff and jitter. Still unprocessed after the
 * last try: a retryable StoreError, so the caller's caller (SQS, the job) tries again later.
 */
async function untilProcessed<T>(operation: string, table: string, pending: T[], call: (pending: T[]) => Promise<T[]>, retry: UnprocessedRetry): Promise<void> {
  let left = pending;
  await pRetry(
    async () => {
      try {
        left = await call(left);
      } catch (error) {
        throw translateDynamoError(error, operation, { table });
      }
      if (left.length > 0) throw new Unprocessed(left.length);
    },
    {
      retries: retry.retries,
      minTimeout: retry.minTimeoutMs,
      maxTimeout: retry.maxTimeoutMs,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof Unprocessed || (error instanceof StoreError && error.retryable),
    },
  ).catch((error: unknown) => {
    if (!(error instanceof Unprocessed)) throw error;
    throw new StoreError(`${operation} left ${error.count} unprocessed after ${retry.retries} retries`, { retryable: true, context: { table } });
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Writes requests with BatchWriteItem, 25 per call, `concurrency` calls at a time, unprocessed
 * items retried (see `untilProcessed`).
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: { concurrency?: number; retry?: UnprocessedRetry } = {},
): Promise<void> {
  const limit = pLimit(options.concurrency ?? 4);
  const retry = options.retry ?? DEFAULT_UNPROCESSED_RETRY;
  await Promise.all(
    chunk(requests, 25).map((requestsOfCall) =>
      limit(() =>
        untilProcessed('BatchWriteItem', table, requestsOfCall, async (pending) => {
          const response = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          return (response.UnprocessedItems?.[table] ?? []) as WriteRequest[];
        }, retry),
      ),
    ),
  );
}

/**
 * Reads keys with BatchGetItem, 100 per call, `concurrency` calls at a time, unprocessed keys
 * retried (see `untilProcessed`). Returns the items found, in no particular order.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
  options: { consistentRead?: boolean; concurrency?: number; retry?: UnprocessedRetry; projection?: string; names?: Record<string, string> } = {},
): Promise<Record<string, unknown>[]> {
  const limit = pLimit(options.concurrency ?? 8);
  const retry = options.retry ?? DEFAULT_UNPROCESSED_RETRY;
  const found: Record<string, unknown>[] = [];
  await Promise.all(
    chunk(keys, 100).map((keysOfCall) =>
      limit(() =>
        untilProcessed('BatchGetItem', table, keysOfCall, async (pending) => {
          const response = await client.send(
            new BatchGetCommand({
              RequestItems: {
                [table]: {
                  Keys: pending,
                  ConsistentRead: options.consistentRead ?? false,
                  ...(options.projection ? { ProjectionExpression: options.projection, ExpressionAttributeNames: options.names } : {}),
                },
              },
            }),
          );
          found.push(...((response.Responses?.[table] ?? []) as Record<string, unknown>[]));
          return (response.UnprocessedKeys?.[table]?.Keys ?? []) as Key[];
        }, retry),
      ),
    ),
  );
  return found;
}
