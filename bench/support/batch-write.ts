/**
 * A plain BatchWriteItem loop of the benchmarks: `size` items built by `itemAt(n)`, 25 per call,
 * `concurrency` calls in flight, unprocessed items sent again until none is left.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';

/** Writes items 0 … size − 1 of `itemAt` into `table`; resolves with the items written per second. */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  size: number,
  concurrency: number,
  itemAt: (n: number) => Record<string, unknown>,
): Promise<number> {
  const limit = pLimit(concurrency);
  const started = performance.now();
  const write = async (start: number) => {
    let pending: Record<string, unknown>[] = [];
    for (let n = start; n < Math.min(size, start + 25); n++) pending.push({ PutRequest: { Item: itemAt(n) } });
    while (pending.length > 0) {
      const response = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
      pending = (response.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
    }
  };
  // Calls are queued as the limit frees a slot, so a million items never sit in memory at once.
  const calls: Array<Promise<void>> = [];
  for (let start = 0; start < size; start += 25) calls.push(limit(() => write(start)));
  await Promise.all(calls);
  return size / ((performance.now() - started) / 1000);
}
