import { QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput, type ScanCommandInput, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import pRetry from 'p-retry';
import { StoreError } from '../../core/errors.ts';
import { translateDynamoError } from './errors.ts';

/** Names a query in the errors it raises: `DynamoDB <operation> failed: …`, with `context` attached. */
export interface QueryLabel {
  operation: string;
  context?: Record<string, unknown>;
}

/**
 * Retries of one page: exponential backoff with jitter, about 10 s in all (as for unprocessed
 * batch items), on top of the SDK's own retries. A long read then survives a throttled page
 * without starting over: the page is asked for again from where the last one ended.
 */
const PAGE_RETRY = { retries: 8, minTimeout: 25, maxTimeout: 2_000, randomize: true };

/**
 * Every page of a Query, following `LastEvaluatedKey` until the last one; an empty page is still
 * yielded. SDK errors come out translated by `translateDynamoError`, named by `label`, after a
 * transient one was retried (see `PAGE_RETRY`).
 *
 * @example
 * for await (const items of queryPages(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }, { operation: 'Query(control)' })) {
 *   …
 * }
 */
export async function* queryPages(client: DynamoDBDocumentClient, input: QueryCommandInput, label: QueryLabel, signal?: AbortSignal): AsyncIterable<Record<string, unknown>[]> {
  for await (const page of queryOutputs(client, input, label, signal)) yield page.Items ?? [];
}

/** Every page of a Query as DynamoDB answered it (items or, with `Select: COUNT`, counts), each page retried like `queryPages`'s. */
export function queryOutputs(client: DynamoDBDocumentClient, input: QueryCommandInput, label: QueryLabel, signal?: AbortSignal): AsyncIterable<QueryCommandOutput> {
  return pagesOf(label, input.ExclusiveStartKey, signal, (ExclusiveStartKey) => client.send(new QueryCommand({ ...input, ExclusiveStartKey }), signal ? { abortSignal: signal } : {}));
}

/** Every page of a Scan (items or, with `Select: COUNT`, counts), each page retried like `queryPages`'s. */
export function scanPages(client: DynamoDBDocumentClient, input: ScanCommandInput, label: QueryLabel, signal?: AbortSignal): AsyncIterable<ScanCommandOutput> {
  return pagesOf(label, input.ExclusiveStartKey, signal, (ExclusiveStartKey) => client.send(new ScanCommand({ ...input, ExclusiveStartKey }), signal ? { abortSignal: signal } : {}));
}

type Key = Record<string, unknown>;

async function* pagesOf<P extends { LastEvaluatedKey?: Key | undefined }>(
  label: QueryLabel,
  firstKey: Key | undefined,
  signal: AbortSignal | undefined,
  send: (startKey: Key | undefined) => Promise<P>,
): AsyncIterable<P> {
  let startKey = firstKey;
  do {
    const from = startKey;
    const page = await pRetry(
      async () => {
        try {
          return await send(from);
        } catch (error) {
          throw translateDynamoError(error, label.operation, label.context);
        }
      },
      { ...PAGE_RETRY, ...(signal ? { signal } : {}), shouldRetry: ({ error }) => error instanceof StoreError && error.retryable && !signal?.aborted },
    );
    yield page;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
