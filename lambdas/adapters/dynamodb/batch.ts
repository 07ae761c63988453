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
    super(`${count} items left unprocessed`);
  }
}

/**
 * Writes requests with BatchWriteItem, 25 per call, `concurrency` calls at a time. Unprocessed
 * items are retried with exponential backoff and jitter; what is still unprocessed after the last
 * try fails the call with a retryable StoreError.
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: { concurrency?: number; retry?: UnprocessedRetry } = {},
): Promise<void> {
  const limit = pLimit(options.concurrency ?? 4);
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  await Promise.all(chunks.map((chunk) => limit(() => writeChunk(client, table, chunk, options.retry ?? DEFAULT_UNPROCESSED_RETRY))));
}

async function writeChunk(client: DynamoDBDocumentClient, table: string, chunk: WriteRequest[], retry: UnprocessedRetry): Promise<void> {
  let pending = chunk;
  await pRetry(
    async () => {
      let response;
      try {
        response = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      } catch (error) {
        throw translateDynamoError(error, 'BatchWriteItem', { table });
      }
      const left = (response.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      if (left.length > 0) {
        pending = left;
        throw new Unprocessed(left.length);
      }
    },
    {
      retries: retry.retries,
      minTimeout: retry.minTimeoutMs,
      maxTimeout: retry.maxTimeoutMs,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof Unprocessed || (error instanceof StoreError && error.retryable),
    },
  ).catch((error: unknown) => {
    if (error instanceof Unprocessed) {
      throw new StoreError(`BatchWriteItem left ${error.count} items unprocessed after ${retry.retries} retries`, { retryable: true, context: { table } });
    }
    throw error;
  });
}

/**
 * Reads keys with BatchGetItem, 100 per call, `concurrency` calls at a time; unprocessed keys are
 * retried with exponential backoff and jitter. Returns the items found, in no particular order.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
  options: { consistentRead?: boolean; concurrency?: number; retry?: UnprocessedRetry; projection?: string; names?: Record<string, string> } = {},
): Promise<Record<string, unknown>[]> {
  const limit = pLimit(options.concurrency ?? 8);
  const retry = options.retry ?? DEFAULT_UNPROCESSED_RETRY;
  const chunks: Key[][] = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  const pages = await Promise.all(
    chunks.map((chunk) =>
      limit(async () => {
        const found: Record<string, unknown>[] = [];
        let pending = chunk;
        await pRetry(
          async () => {
            let response;
            try {
              response = await client.send(
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
            } catch (error) {
              throw translateDynamoError(error, 'BatchGetItem', { table });
            }
            found.push(...((response.Responses?.[table] ?? []) as Record<string, unknown>[]));
            const left = (response.UnprocessedKeys?.[table]?.Keys ?? []) as Key[];
            if (left.length > 0) {
              pending = left;
              throw new Unprocessed(left.length);
            }
          },
          {
            retries: retry.retries,
            minTimeout: retry.minTimeoutMs,
            maxTimeout: retry.maxTimeoutMs,
            randomize: true,
            shouldRetry: ({ error }) => error instanceof Unprocessed || (error instanceof StoreError && error.retryable),
          },
        ).catch((error: unknown) => {
          if (error instanceof Unprocessed) {
            throw new StoreError(`BatchGetItem left ${error.count} keys unprocessed after ${retry.retries} retries`, { retryable: true, context: { table } });
          }
          throw error;
        });
        return found;
      }),
    ),
  );
  return pages.flat();
}
