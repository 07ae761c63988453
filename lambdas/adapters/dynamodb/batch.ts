import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { retryPending } from '../../core/backoff.ts';
import { StoreError } from '../../core/errors.ts';
import { translateDynamoError } from './errors.ts';

type Key = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Key } };

/**
 * Backoff for unprocessed items and keys: exponential with full jitter, from `minTimeoutMs`
 * doubling up to `maxTimeoutMs`, `retries` times (about 5 s in all by default, 10 s at most).
 */
export interface UnprocessedRetry {
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

export const DEFAULT_UNPROCESSED_RETRY: UnprocessedRetry = { retries: 10, minTimeoutMs: 25, maxTimeoutMs: 2_000 };

/**
 * Runs `call` on `pending` until DynamoDB has processed all of it: `call` returns what was left
 * unprocessed, which is retried (see `retryPending`), as is a call that failed transiently.
 * Still unprocessed after the last try: a retryable StoreError, so the caller's caller (SQS, the
 * job) tries again later. A permanent or widespread failure is thrown at once.
 */
async function untilProcessed<T>(operation: string, table: string, pending: T[], call: (pending: T[]) => Promise<T[]>, retry: UnprocessedRetry): Promise<void> {
  let lastError: StoreError | undefined;
  const left = await retryPending(
    pending,
    async (items) => {
      try {
        const unprocessed = await call([...items]);
        lastError = undefined;
        return unprocessed;
      } catch (error) {
        const translated = translateDynamoError(error, operation, { table });
        if (!(translated instanceof StoreError) || !translated.retryable || translated.widespread) throw translated;
        lastError = translated;
        return [...items];
      }
    },
    { retries: retry.retries, baseMs: retry.minTimeoutMs, capMs: retry.maxTimeoutMs },
  );
  if (left.length === 0) return;
  throw lastError ?? new StoreError(`${operation} left ${left.length} unprocessed after ${retry.retries} retries`, { retryable: true, context: { table } });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Writes requests with BatchWriteItem, 25 per call, `concurrency` calls at a time, unprocessed
 * items retried (see `untilProcessed`). Settles only once every call has: a failure is thrown
 * after the other calls ended, so no write of it is still in flight (and may land) afterwards.
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: { concurrency?: number; retry?: UnprocessedRetry } = {},
): Promise<void> {
  const limit = pLimit(options.concurrency ?? 4);
  const retry = options.retry ?? DEFAULT_UNPROCESSED_RETRY;
  const settled = await Promise.allSettled(
    chunk(requests, 25).map((requestsOfCall) =>
      limit(() =>
        untilProcessed('BatchWriteItem', table, requestsOfCall, async (pending) => {
          const response = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          return (response.UnprocessedItems?.[table] ?? []) as WriteRequest[];
        }, retry),
      ),
    ),
  );
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
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
