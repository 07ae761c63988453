import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Generation } from '../../core/records.ts';
import type { GenerationCounter } from '../../core/rebuild/index.ts';
import { scanPages } from './query.ts';

/**
 * Counts a generation's live records with a parallel `Scan` using `Select: COUNT`: the items are
 * read (and paid for) but never sent back, so a count costs a fraction of a full scan's transfer.
 * A throttled page is asked for again from where the count stopped (see `scanPages`).
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
    const input = {
      TableName: this.indexTable,
      Select: 'COUNT' as const,
      Segment: segment,
      TotalSegments: this.segments,
      FilterExpression: '#t = :t AND sk = :g AND deleted = :false',
      ExpressionAttributeNames: { '#t': 'type' },
      ExpressionAttributeValues: { ':t': type, ':g': generation, ':false': false },
    };
    let count = 0;
    for await (const page of scanPages(this.client, input, { operation: 'Scan(count)', context: { type, generation } })) count += page.Count ?? 0;
    return count;
  }
}
