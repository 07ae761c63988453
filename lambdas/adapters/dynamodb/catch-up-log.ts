import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CatchUpLog, Clock } from '../../core/ports.ts';
import type { Generation } from '../../core/records.ts';
import { batchWriteAll } from './batch.ts';
import { queryPages } from './query.ts';

/**
 * The catch-up log in the control table: one item per resource changed while a generation was
 * building (`pk = type#catchup#generation`, `sk = id`). Items expire after a week in case a build
 * is abandoned without clean-up.
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
      [...new Set(ids)].map((id) => ({ PutRequest: { Item: { pk: partition(type, generation), sk: id, loggedAt: now, expiresAt } } })),
    );
  }

  async *read(type: string, generation: Generation): AsyncIterable<string[]> {
    for await (const items of this.#pages(type, generation)) {
      if (items.length > 0) yield items.map((item) => String(item['sk']));
    }
  }

  async clear(type: string, generation: Generation): Promise<void> {
    for await (const items of this.#pages(type, generation)) {
      await batchWriteAll(
        this.client,
        this.controlTable,
        items.map((item) => ({ DeleteRequest: { Key: { pk: item['pk'], sk: item['sk'] } } })),
      );
    }
  }

  async forget(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    await batchWriteAll(
      this.client,
      this.controlTable,
      [...new Set(ids)].map((id) => ({ DeleteRequest: { Key: { pk: partition(type, generation), sk: id } } })),
    );
  }

  #pages(type: string, generation: Generation): AsyncIterable<Record<string, unknown>[]> {
    return queryPages(
      this.client,
      {
        TableName: this.controlTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partition(type, generation) },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      },
      { operation: 'Query(catch-up log)', context: { type, generation } },
    );
  }
}

function partition(type: string, generation: Generation): string {
  return `${type}#catchup#${generation}`;
}
