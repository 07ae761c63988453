import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChildResultStore, LoadResult } from '../../core/rebuild/index.ts';
import { translateDynamoError } from './errors.ts';
import { queryPages } from './query.ts';

/** How long a child's result is kept (the table's TTL deletes it after): the parent reads it minutes later. */
export const CHILD_RESULT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The results of a split load's children in the control table, next to the type's build records:
 * pk `type`, sk `child#<buildId>#<child>`, the result as a map, expiring after a week. A child
 * run again overwrites its item; the parent reads the build's results with one Query.
 */
export class DynamoChildResults implements ChildResultStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly controlTable: string,
    private readonly now: () => number = Date.now,
  ) {}

  async save(type: string, buildId: string, child: number, result: LoadResult): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.controlTable,
          Item: { pk: type, sk: `child#${buildId}#${child}`, child, result, expiresAt: Math.floor(this.now() / 1000) + CHILD_RESULT_TTL_SECONDS },
        }),
      );
    } catch (error) {
      throw translateDynamoError(error, 'PutItem(child result)', { type, buildId, child });
    }
  }

  async list(type: string, buildId: string): Promise<Map<number, LoadResult>> {
    const results = new Map<number, LoadResult>();
    const input = {
      TableName: this.controlTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': type, ':prefix': `child#${buildId}#` },
      ConsistentRead: true,
    };
    for await (const items of queryPages(this.client, input, { operation: 'Query(child results)', context: { type, buildId } })) {
      for (const item of items) results.set(Number(item['child']), item['result'] as LoadResult);
    }
    return results;
  }
}
