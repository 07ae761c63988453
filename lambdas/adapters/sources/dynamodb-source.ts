/**
 * A DynamoDB table holding the documents, one item per resource, keyed by a string partition
 * key (`keyAttribute`), as a `Source`.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, ScanCommand, type TranslateConfig } from '@aws-sdk/lib-dynamodb';
import pLimit, { type LimitFunction } from 'p-limit';
import { describeError, SourceError } from '../../core/errors.ts';
import type { DynamodbSourceConfig } from '../../core/config/schema.ts';
import type { ScanOptions, Source, SourceDoc } from '../../core/ports.ts';
import { readInChunks } from './documents.ts';
import { withRetries, type BackoffOptions } from './retry.ts';
import { checkSegment } from './segments.ts';
import { isTransientDynamoError, isWidespreadDynamoError } from '../dynamodb/errors.ts';

/** BatchGetItem's limit of keys per call. */
const BATCH_GET_LIMIT = 100;

/** What a DynamoDB source takes from outside. */
export interface DynamodbSourceOptions {
  /** The client: a plain `DynamoDBClient` or a `DynamoDBDocumentClient` built on one. */
  client: DynamoDBClient | DynamoDBDocumentClient;
  /**
   * Strongly consistent reads for get, getMany and scan pages, so a read right after a change
   * notification sees the change, and a rebuild's scan never returns a document older than one
   * the index already holds. A consistent scan costs twice the read capacity of an eventual one.
   * @default true
   */
  consistentRead?: boolean | undefined;
  /**
   * BatchGetItem calls in flight at once in `getMany`.
   * @default 4
   */
  concurrency?: number | undefined;
  /**
   * Retries of a BatchGetItem's unprocessed keys, with exponential backoff and full jitter.
   * @default 8
   */
  unprocessedRetries?: number | undefined;
  /** Backoff tuning of those retries. */
  backoff?: BackoffOptions | undefined;
}

/**
 * Reads documents from a DynamoDB table: GetItem, BatchGetItem (100 keys a call, unprocessed
 * keys retried with backoff; a chunk that still fails fails only its own ids, see `PartialReadError`), parallel Scan with `Segment`/`TotalSegments`, and the table's
 * `ItemCount` (refreshed by DynamoDB about every six hours; 0 is reported as unknown) as the
 * size estimate. A scan pages by key (`ExclusiveStartKey`), so it is stable: every item that
 * exists from its start to its end is returned, whatever is inserted or deleted meanwhile.
 *
 * @example
 * const source = new DynamodbSource({ type: 'dynamodb', tableName: 'cms-videos', keyAttribute: 'videoId' }, { client });
 */
export class DynamodbSource implements Source {
  /** Scan pages continue after the last key read (keyset), never at an offset. */
  readonly stableScan = true;
  private readonly doc: DynamoDBDocumentClient;
  private readonly limit: LimitFunction;
  private readonly consistentRead: boolean;

  constructor(
    private readonly config: DynamodbSourceConfig,
    private readonly options: DynamodbSourceOptions,
  ) {
    const { client } = options;
    // DynamoDBDocumentClient.from writes its translate config onto the shared client config:
    // hand it the one already there, so wrapping never changes another user's client.
    const existing = (client.config as { translateConfig?: TranslateConfig }).translateConfig;
    this.doc = client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client, existing);
    this.limit = pLimit(options.concurrency ?? 4);
    this.consistentRead = options.consistentRead ?? true;
  }

  async get(id: string): Promise<SourceDoc | undefined> {
    const { Item } = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.config.tableName, Key: this.key(id), ConsistentRead: this.consistentRead })),
    );
    return Item;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    return readInChunks(ids, BATCH_GET_LIMIT, async (chunk) => (await this.batchGet(chunk)).map((item) => [String(item[this.config.keyAttribute]), item] as const), {
      limit: this.limit,
      context: { table: this.config.tableName },
    });
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    checkSegment(options);
    let startKey: Record<string, unknown> | undefined;
    do {
      const command = new ScanCommand({
        TableName: this.config.tableName,
        ConsistentRead: this.consistentRead,
        ...(options.totalSegments > 1 ? { Segment: options.segment, TotalSegments: options.totalSegments } : {}),
        ...(options.pageSize ? { Limit: options.pageSize } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      const page = await this.call('Scan', () => this.doc.send(command, options.signal ? { abortSignal: options.signal } : {}));
      if (page.Items && page.Items.length > 0) yield page.Items;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async estimateCount(): Promise<number | undefined> {
    const { Table } = await this.call('DescribeTable', () => this.doc.send(new DescribeTableCommand({ TableName: this.config.tableName })));
    // ItemCount is refreshed about every six hours: a 0 may be a table filled since, so it says nothing.
    const count = Table?.ItemCount;
    return count === undefined || count === 0 ? undefined : count;
  }

  /** One chunk of at most 100 ids; unprocessed keys are asked for again until none is left. */
  private async batchGet(ids: readonly string[]): Promise<SourceDoc[]> {
    const table = this.config.tableName;
    const items: SourceDoc[] = [];
    let pending: Record<string, unknown>[] = ids.map((id) => this.key(id));
    await withRetries(
      async () => {
        const { Responses, UnprocessedKeys } = await this.call('BatchGetItem', () =>
          this.doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: this.consistentRead } } })),
        );
        items.push(...(Responses?.[table] ?? []));
        pending = UnprocessedKeys?.[table]?.Keys ?? [];
        if (pending.length > 0) {
          throw new SourceError(`BatchGetItem on ${table} left ${pending.length} keys unprocessed`, {
            retryable: true,
            context: { table, unprocessed: pending.length },
          });
        }
      },
      { ...this.options.backoff, retries: this.options.unprocessedRetries ?? 8 },
    );
    return items;
  }

  private key(id: string): Record<string, string> {
    return { [this.config.keyAttribute]: id };
  }

  /** Runs one SDK call, translating its failure into a `SourceError`. */
  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw translate(operation, this.config.tableName, error);
    }
  }
}

/**
 * A DynamoDB SDK error as a `SourceError`: throttling, 5xx and network failures are retryable;
 * a denied access or a missing table is `widespread`; a caller's abort passes through unchanged.
 */
function translate(operation: string, table: string, error: unknown): unknown {
  if (error instanceof Error && error.name === 'AbortError') return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return new SourceError(`${operation} on source table ${table} failed: ${describeError(error)}`, {
    cause: error,
    retryable: isTransientDynamoError(error),
    widespread: isWidespreadDynamoError(error),
    context: { table, operation, ...(status === undefined ? {} : { status }) },
  });
}
