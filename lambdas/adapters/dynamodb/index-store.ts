import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { ConflictError, PartialWriteError } from '../../core/errors.ts';
import type { Pointer } from '../../core/pointer.ts';
import type { Clock, PointerStore, RecordStore, ScanOptions } from '../../core/ports.ts';
import { guard, toStoredRecord, vectorFromBytes, vectorToBytes, type Generation, type RecordWrite, type StoredRecord, type WriteOutcome, type WriteResult } from '../../core/records.ts';
import { batchGetAll, batchWriteAll, type UnprocessedRetry } from './batch.ts';
import { isConditionFailure, translateDynamoError } from './errors.ts';
import { bucketsOfSegment } from '../../core/buckets.ts';
import { pointerKey, recordKey, recordPartition } from './keys.ts';
import { queryPages } from './query.ts';

export interface DynamoIndexStoreOptions {
  client: DynamoDBDocumentClient;
  indexTable: string;
  controlTable: string;
  /** How long tombstones are kept (seconds). */
  tombstoneTtlSeconds: number;
  clock?: Clock;
  /** Strongly consistent reads (the write path wants them; readers may not). @default true */
  consistentReads?: boolean;
  /** Conditional writes in flight at once. @default 16 */
  writeConcurrency?: number;
  /** BatchWriteItem calls in flight at once during bulk loads. @default 4 */
  bulkConcurrency?: number;
  unprocessedRetry?: UnprocessedRetry;
}

// `version`, `hash` and friends collide with DynamoDB reserved words: always go through names.
const NAMES = { '#pk': 'pk', '#v': 'version', '#d': 'deleted', '#h': 'hash' };
const UPSERT_CONDITION = 'attribute_not_exists(#pk) OR #v < :v OR (#v = :v AND #d = :false AND #h <> :h)';
const DELETE_CONDITION = 'attribute_not_exists(#pk) OR #v < :v OR (#v = :v AND #d = :false)';

/**
 * The index on DynamoDB. Records live in the index table, each generation's spread over 64
 * partitions (`pk = type#generation#bucket`, `sk = id`, see keys.ts), so a generation is read,
 * counted and dropped without reading another; pointers live in the control table under
 * `pk = type`, `sk = "pointer"`. Every record write is a
 * conditional PutItem enforcing the version guard (see `guard` in core/records.ts); a failed
 * condition is read back as the guard's answer, so a retry that meets its own landed write (a
 * lost response) answers `unchanged`. Each write stands alone: one refused or throttled write
 * fails only itself (`PartialWriteError`).
 */
export class DynamoIndexStore implements PointerStore, RecordStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #options: DynamoIndexStoreOptions;
  readonly #clock: Clock;

  constructor(options: DynamoIndexStoreOptions) {
    this.#client = options.client;
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  async readPointer(type: string): Promise<Pointer | undefined> {
    try {
      const { Item } = await this.#client.send(
        new GetCommand({ TableName: this.#options.controlTable, Key: pointerKey(type), ConsistentRead: true }),
      );
      return Item ? pointerFromItem(Item) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem(pointer)', { type });
    }
  }

  async swapPointer(expected: Pointer | undefined, next: Pointer): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#options.controlTable,
          Item: { ...next, ...pointerKey(next.type) },
          ...(expected
            ? { ConditionExpression: '#rev = :rev', ExpressionAttributeNames: { '#rev': 'revision' }, ExpressionAttributeValues: { ':rev': expected.revision } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConflictError(`pointer of "${next.type}" changed concurrently`, { type: next.type, expectedRevision: expected?.revision });
      }
      throw translateDynamoError(error, 'PutItem(pointer)', { type: next.type });
    }
  }

  async getRecords(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    const unique = [...new Set(ids)];
    const items = await batchGetAll(
      this.#client,
      this.#options.indexTable,
      unique.map((id) => recordKey(type, generation, id)),
      { consistentRead: this.#options.consistentReads ?? true, ...(this.#options.unprocessedRetry ? { retry: this.#options.unprocessedRetry } : {}) },
    );
    return new Map(items.map((item) => [String(item['id']), recordFromItem(item)]));
  }

  async write(type: string, generation: Generation, writes: readonly RecordWrite[]): Promise<WriteResult[]> {
    const limit = pLimit(this.#options.writeConcurrency ?? 16);
    const outcomes = await Promise.all(
      writes.map((write) => limit(() => this.#writeOne(type, generation, write).catch((error: unknown): WriteOutcome => ({ error })))),
    );
    if (outcomes.some((outcome) => typeof outcome === 'object')) throw new PartialWriteError(outcomes, { type, generation });
    return outcomes as WriteResult[];
  }

  async #writeOne(type: string, generation: Generation, write: RecordWrite): Promise<WriteResult> {
    const item = recordToItem(toStoredRecord(type, generation, write, this.#clock(), this.#options.tombstoneTtlSeconds));
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#options.indexTable,
          Item: item,
          ConditionExpression: write.kind === 'upsert' ? UPSERT_CONDITION : DELETE_CONDITION,
          ExpressionAttributeNames: write.kind === 'upsert' ? NAMES : { '#pk': 'pk', '#v': 'version', '#d': 'deleted' },
          ExpressionAttributeValues: write.kind === 'upsert' ? { ':v': write.version, ':false': false, ':h': write.hash } : { ':v': write.version, ':false': false },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'written';
    } catch (error) {
      if (!isConditionFailure(error)) throw translateDynamoError(error, 'PutItem(record)', { type, id: write.id, generation });
      const old = (error as { Item?: Record<string, unknown> }).Item ?? (await this.#readItem(type, write.id, generation));
      const result = guard(old ? recordFromItem(unmarshallIfNeeded(old)) : undefined, write);
      // The condition is the guard itself: a "written" verdict here means the record moved in between.
      return result === 'written' ? 'stale' : result;
    }
  }

  async #readItem(type: string, id: string, generation: Generation): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.#client.send(
        new GetCommand({ TableName: this.#options.indexTable, Key: recordKey(type, generation, id), ConsistentRead: true }),
      );
      return Item;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem(record)', { type, id, generation });
    }
  }

  async bulkPut(type: string, generation: Generation, records: readonly StoredRecord[]): Promise<void> {
    // BatchWriteItem refuses two requests for one key: the last record of an id wins.
    const byKey = new Map(records.map((record) => [record.id, record]));
    await batchWriteAll(
      this.#client,
      this.#options.indexTable,
      [...byKey.values()].map((record) => ({ PutRequest: { Item: recordToItem({ ...record, type, generation }) } })),
      { concurrency: this.#options.bulkConcurrency ?? 4, ...(this.#options.unprocessedRetry ? { retry: this.#options.unprocessedRetry } : {}) },
    );
  }

  async *scanGeneration(type: string, generation: Generation, options: ScanOptions): AsyncIterable<StoredRecord[]> {
    for await (const items of this.#queryGeneration(type, generation, options)) {
      if (items.length > 0) yield items.map(recordFromItem);
    }
  }

  async *scanIds(type: string, generation: Generation, options: ScanOptions): AsyncIterable<string[]> {
    for await (const items of this.#queryGeneration(type, generation, options, 'sk')) {
      if (items.length > 0) yield items.map((item) => String(item['sk']));
    }
  }

  /** One Query per bucket of the segment: only this generation's partitions are read. */
  async *#queryGeneration(type: string, generation: Generation, options: ScanOptions, projection?: string): AsyncIterable<Record<string, unknown>[]> {
    for (const bucket of bucketsOfSegment(options.segment, options.totalSegments)) {
      const input = {
        TableName: this.#options.indexTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': recordPartition(type, generation, bucket) },
        ConsistentRead: this.#options.consistentReads ?? true,
        ...(projection ? { ProjectionExpression: projection } : {}),
        ...(options.pageSize ? { Limit: options.pageSize } : {}),
      };
      yield* queryPages(this.#client, input, { operation: 'Query(index)', context: { type, generation, bucket } }, options.signal);
    }
  }

  async deleteRecords(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    await batchWriteAll(
      this.#client,
      this.#options.indexTable,
      [...new Set(ids)].map((id) => ({ DeleteRequest: { Key: recordKey(type, generation, id) } })),
      { concurrency: this.#options.bulkConcurrency ?? 4, ...(this.#options.unprocessedRetry ? { retry: this.#options.unprocessedRetry } : {}) },
    );
  }
}

/** The DynamoDB item of a stored record. */
export function recordToItem(record: StoredRecord): Record<string, unknown> {
  return {
    ...recordKey(record.type, record.generation, record.id),
    type: record.type,
    id: record.id,
    generation: record.generation,
    version: record.version,
    hash: record.hash,
    deleted: record.deleted,
    writtenAt: record.writtenAt,
    ...(record.deleted ? {} : { record: JSON.stringify(record.record) }),
    // A binary attribute of little-endian float32: 4 bytes a dimension.
    ...(record.deleted || !record.vector ? {} : { vector: vectorToBytes(record.vector) }),
    ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
  };
}

/** The stored record of a DynamoDB item. */
export function recordFromItem(item: Record<string, unknown>): StoredRecord {
  const body = item['record'];
  return {
    type: String(item['type']),
    id: String(item['id']),
    generation: Number(item['generation']),
    version: Number(item['version']),
    hash: String(item['hash']),
    deleted: item['deleted'] === true,
    writtenAt: Number(item['writtenAt']),
    ...(typeof body === 'string' ? { record: parseRecordBody(body) } : {}),
    ...(item['vector'] instanceof Uint8Array ? { vector: vectorFromBytes(item['vector']) } : {}),
    ...(item['expiresAt'] === undefined ? {} : { expiresAt: Number(item['expiresAt']) }),
  };
}

/**
 * A record body that is not JSON (written around freshindex, corrupted) reads as a marker object:
 * its hash differs from any transform's, so the checker and the audit repair it.
 */
function parseRecordBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return { $unparseable: body.slice(0, 1024) };
  }
}

function pointerFromItem(item: Record<string, unknown>): Pointer {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as Pointer;
}

/** ReturnValuesOnConditionCheckFailure arrives in wire format ({ S: ... }) even through the document client. */
function unmarshallIfNeeded(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const wire = value as Record<string, unknown>;
      if ('S' in wire) out[key] = wire['S'];
      else if ('N' in wire) out[key] = Number(wire['N']);
      else if ('BOOL' in wire) out[key] = wire['BOOL'];
      else if ('B' in wire) out[key] = wire['B'];
      else out[key] = value;
    } else {
      out[key] = value;
    }
  }
  return out;
}
