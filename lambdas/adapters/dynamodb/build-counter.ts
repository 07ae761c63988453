import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { bucketsOfSegment } from '../../core/buckets.ts';
import type { Generation } from '../../core/records.ts';
import type { GenerationCounter } from '../../core/rebuild/index.ts';
import { recordPartition } from './keys.ts';
import { queryOutputs } from './query.ts';

/**
 * Counts a generation's live records with one `Query` per bucket partition of that generation
 * (`Select: COUNT`, tombstones filtered out), `segments` buckets at a time: the items are read
 * (and paid for) but never sent back, and no other generation or type is read. A throttled page is
 * asked for again from where the count stopped (see `queryPages`).
 */
export class DynamoGenerationCounter implements GenerationCounter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly indexTable: string,
    private readonly segments = 4,
  ) {}

  async countLive(type: string, generation: Generation): Promise<number> {
    const counts = await Promise.all(Array.from({ length: this.segments }, (_, segment) => this.#countSegment(type, generation, segment)));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async #countSegment(type: string, generation: Generation, segment: number): Promise<number> {
    let count = 0;
    for (const bucket of bucketsOfSegment(segment, this.segments)) {
      const input = {
        TableName: this.indexTable,
        Select: 'COUNT' as const,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'deleted = :false',
        ExpressionAttributeValues: { ':pk': recordPartition(type, generation, bucket), ':false': false },
        ConsistentRead: true,
      };
      for await (const page of queryOutputs(this.client, input, { operation: 'Query(count)', context: { type, generation, bucket } })) count += page.Count ?? 0;
    }
    return count;
  }
}
