/**
 * The reader's reads of the index table: the fewest attributes a recommender needs, eventually
 * consistent by default, one GetItem for one id and BatchGetItem (100 keys a call, unprocessed
 * keys retried) for many.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, type UnprocessedRetry } from '../adapters/dynamodb/batch.ts';
import { translateDynamoError } from '../adapters/dynamodb/errors.ts';
import { recordKey } from '../adapters/dynamodb/keys.ts';
import type { Generation } from '../core/records.ts';

/** What the reader keeps of a stored record. */
export interface IndexHit {
  id: string;
  version: number;
  /** True for a tombstone: the resource was deleted. */
  deleted: boolean;
  record?: unknown;
}

// `version` is a DynamoDB reserved word: every attribute goes through a name.
const PROJECTION = '#id, #v, #d, #r';
const NAMES = { '#id': 'id', '#v': 'version', '#d': 'deleted', '#r': 'record' };

export interface IndexReadsOptions {
  client: DynamoDBDocumentClient;
  indexTable: string;
  consistentReads: boolean;
  unprocessedRetry?: UnprocessedRetry | undefined;
}

/** Reads records of one generation of the index table. */
export class IndexReads {
  constructor(private readonly options: IndexReadsOptions) {}

  async getOne(type: string, generation: Generation, id: string): Promise<IndexHit | undefined> {
    try {
      const { Item } = await this.options.client.send(
        new GetCommand({
          TableName: this.options.indexTable,
          Key: recordKey(type, generation, id),
          ProjectionExpression: PROJECTION,
          ExpressionAttributeNames: NAMES,
          ConsistentRead: this.options.consistentReads,
        }),
      );
      return Item ? hitFromItem(Item) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem(record)', { type, id, generation });
    }
  }

  /** The records of `ids` (distinct) in one generation; ids without a record are absent. */
  async getMany(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, IndexHit>> {
    if (ids.length === 0) return new Map();
    const items = await batchGetAll(
      this.options.client,
      this.options.indexTable,
      ids.map((id) => recordKey(type, generation, id)),
      {
        consistentRead: this.options.consistentReads,
        projection: PROJECTION,
        names: NAMES,
        ...(this.options.unprocessedRetry ? { retry: this.options.unprocessedRetry } : {}),
      },
    );
    const hits = new Map<string, IndexHit>();
    for (const item of items) {
      const hit = hitFromItem(item);
      hits.set(hit.id, hit);
    }
    return hits;
  }
}

function hitFromItem(item: Record<string, unknown>): IndexHit {
  const body = item['record'];
  return {
    id: String(item['id']),
    version: Number(item['version']),
    deleted: item['deleted'] === true,
    ...(typeof body === 'string' ? { record: JSON.parse(body) as unknown } : {}),
  };
}
