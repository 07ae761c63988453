/**
 * The reader's reads of the index table: the fewest attributes a recommender needs, eventually
 * consistent by default, one GetItem for one id and BatchGetItem (100 keys a call, unprocessed
 * keys retried) for many.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IndexHit, LiveRecordReads } from '../../core/reader/index.ts';
import type { Generation } from '../../core/records.ts';
import { batchGetAll, type UnprocessedRetry } from './batch.ts';
import { translateDynamoError } from './errors.ts';
import { recordKey } from './keys.ts';

// `version` is a DynamoDB reserved word: every attribute goes through a name.
const PROJECTION = '#id, #v, #d, #r';
const NAMES = { '#id': 'id', '#v': 'version', '#d': 'deleted', '#r': 'record' };

/** Options of `DynamoLiveReads`. */
export interface DynamoLiveReadsOptions {
  client: DynamoDBDocumentClient;
  indexTable: string;
  /** Strongly consistent reads (twice the cost; a reader does not need them). */
  consistentReads: boolean;
  /** Backoff of BatchGetItem's unprocessed keys. @default DEFAULT_UNPROCESSED_RETRY */
  unprocessedRetry?: UnprocessedRetry | undefined;
}

/** The reader's record reads on DynamoDB (records keyed by `keys.ts`'s `recordKey`). */
export class DynamoLiveReads implements LiveRecordReads {
  constructor(private readonly options: DynamoLiveReadsOptions) {}

  async read(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, IndexHit>> {
    if (ids.length === 1) {
      const hit = await this.#getOne(type, generation, ids[0] as string);
      return hit ? new Map([[hit.id, hit]]) : new Map();
    }
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
    return new Map(items.map((item) => hitFromItem(item)).map((hit) => [hit.id, hit]));
  }

  async #getOne(type: string, generation: Generation, id: string): Promise<IndexHit | undefined> {
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
