import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { BUCKETS } from '../../core/buckets.ts';
import type { CatchUpLog, Clock } from '../../core/ports.ts';
import type { Generation } from '../../core/records.ts';
import { batchWriteAll } from './batch.ts';
import { catchUpKey, catchUpPartition } from './keys.ts';
import { queryPages } from './query.ts';

/** Bucket partitions read (or cleared) at once. */
const READ_CONCURRENCY = 8;

/**
 * The catch-up log in the control table: one item per resource changed while a generation was
 * building, spread over 64 partitions by the id's bucket (`pk = type#catchup#generation#bucket`,
 * `sk = id`, see keys.ts), so a burst of changes never lands on one partition's 1,000 writes/s.
 * Items expire after a week in case a build is abandoned without clean-up.
 */
export class DynamoCatchUpLog implements CatchUpLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly controlTable: string,
    private readonly clock: Clock = Date.now,
  ) {}

  async record(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    const now = this.clock();
    const expiresAt = Math.floor(now / 1000) + 7 * 24 * 3600;
    await batchWriteAll(
      this.client,
      this.controlTable,
      [...new Set(ids)].map((id) => ({ PutRequest: { Item: { ...catchUpKey(type, generation, id), loggedAt: now, expiresAt } } })),
    );
  }

  async *read(type: string, generation: Generation): AsyncIterable<string[]> {
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      for await (const items of this.#pages(type, generation, bucket)) {
        if (items.length > 0) yield items.map((item) => String(item['sk']));
      }
    }
  }

  async clear(type: string, generation: Generation): Promise<void> {
    const limit = pLimit(READ_CONCURRENCY);
    await Promise.all(
      Array.from({ length: BUCKETS }, (_, bucket) =>
        limit(async () => {
          for await (const items of this.#pages(type, generation, bucket)) {
            await batchWriteAll(this.client, this.controlTable, items.map((item) => ({ DeleteRequest: { Key: { pk: item['pk'], sk: item['sk'] } } })));
          }
        }),
      ),
    );
  }

  async forget(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    await batchWriteAll(
      this.client,
      this.controlTable,
      [...new Set(ids)].map((id) => ({ DeleteRequest: { Key: catchUpKey(type, generation, id) } })),
    );
  }

  #pages(type: string, generation: Generation, bucket: number): AsyncIterable<Record<string, unknown>[]> {
    return queryPages(
      this.client,
      {
        TableName: this.controlTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': catchUpPartition(type, generation, bucket) },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      },
      { operation: 'Query(catch-up log)', context: { type, generation, bucket } },
    );
  }
}
