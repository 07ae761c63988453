import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors.ts';
import type { Generation } from '../../core/records.ts';
import type { BuildRecord, BuildRecordStore, Lease, LeaseStore, Retirement, RetirementStore } from '../../core/rebuild/index.ts';
import { isConditionFailure, translateDynamoError } from './errors.ts';
import { queryPages } from './query.ts';

/** How long build records are kept (the table's TTL deletes them after). */
const BUILD_RECORD_DAYS = 90;

/**
 * The rebuild's control records in the control table, next to the type's pointer:
 *
 * | item              | pk     | sk                         |
 * |-------------------|--------|----------------------------|
 * | build lease       | `type` | `lease`                    |
 * | one build         | `type` | `build#<buildId>`          |
 * | latest build      | `type` | `build#latest`             |
 * | retirement note   | `type` | `retired#<generation>` (records), `retired#<generation>#log` (catch-up log only) |
 * | swept mark        | `type` | `swept`                    |
 *
 * The lease's expiry is `leaseExpiresAt` (epoch ms), not the table's TTL attribute `expiresAt`
 * (epoch seconds), which only build records carry. Every lease change is a conditional write.
 */
export class DynamoBuildControl implements LeaseStore, BuildRecordStore, RetirementStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly controlTable: string,
  ) {}

  async acquire(lease: Lease, now: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.controlTable,
          Item: { pk: lease.type, sk: 'lease', type: lease.type, buildId: lease.buildId, holder: lease.holder, acquiredAt: lease.acquiredAt, leaseExpiresAt: lease.expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseExpiresAt < :now OR buildId = :build',
          ExpressionAttributeValues: { ':now': now, ':build': lease.buildId },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`the build lease of "${lease.type}" is held`, { type: lease.type });
      throw translateDynamoError(error, 'PutItem(lease)', { type: lease.type });
    }
  }

  async renew(lease: Lease, expiresAt: number): Promise<Lease> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.controlTable,
          Key: { pk: lease.type, sk: 'lease' },
          UpdateExpression: 'SET leaseExpiresAt = :expires',
          ConditionExpression: 'buildId = :build',
          ExpressionAttributeValues: { ':expires': expiresAt, ':build': lease.buildId },
        }),
      );
      return { ...lease, expiresAt };
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`build ${lease.buildId} no longer holds the lease of "${lease.type}"`, { type: lease.type });
      throw translateDynamoError(error, 'UpdateItem(lease)', { type: lease.type });
    }
  }

  async release(lease: Lease): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.controlTable,
          Key: { pk: lease.type, sk: 'lease' },
          ConditionExpression: 'buildId = :build',
          ExpressionAttributeValues: { ':build': lease.buildId },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      throw translateDynamoError(error, 'DeleteItem(lease)', { type: lease.type });
    }
  }

  async read(type: string): Promise<Lease | undefined> {
    const item = await this.#get(type, 'lease');
    if (!item) return undefined;
    return {
      type,
      buildId: String(item['buildId']),
      holder: String(item['holder']),
      acquiredAt: Number(item['acquiredAt']),
      expiresAt: Number(item['leaseExpiresAt']),
    };
  }

  async save(record: BuildRecord, options: { latest?: boolean } = {}): Promise<void> {
    const item = {
      pk: record.type,
      buildId: record.buildId,
      status: record.status,
      phase: record.phase,
      startedAt: record.startedAt,
      updatedAt: record.updatedAt,
      body: JSON.stringify(record),
      expiresAt: Math.floor(record.startedAt / 1000) + BUILD_RECORD_DAYS * 24 * 3600,
    };
    try {
      await Promise.all(
        [`build#${record.buildId}`, ...(options.latest === false ? [] : ['build#latest'])].map((sk) =>
          this.client.send(new PutCommand({ TableName: this.controlTable, Item: { ...item, sk } })),
        ),
      );
    } catch (error) {
      throw translateDynamoError(error, 'PutItem(build)', { type: record.type, buildId: record.buildId });
    }
  }

  async get(type: string, buildId: string): Promise<BuildRecord | undefined> {
    return recordOf(await this.#get(type, `build#${buildId}`));
  }

  async latest(type: string): Promise<BuildRecord | undefined> {
    return recordOf(await this.#get(type, 'build#latest'));
  }

  async list(type: string, limit: number): Promise<BuildRecord[]> {
    const records: BuildRecord[] = [];
    for await (const item of this.#query(type, 'build#', false)) {
      if (item['sk'] === 'build#latest') continue;
      records.push(recordOf(item) as BuildRecord);
      if (records.length >= limit) break;
    }
    return records;
  }

  async add(retirement: Retirement): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.controlTable, Item: { pk: retirement.type, sk: retiredKey(retirement.generation, retirement.records), ...retirement } }),
      );
    } catch (error) {
      throw translateDynamoError(error, 'PutItem(retirement)', { type: retirement.type, generation: retirement.generation });
    }
  }

  async pending(type: string): Promise<Retirement[]> {
    const notes: Retirement[] = [];
    for await (const item of this.#query(type, 'retired#', true)) {
      notes.push({
        type,
        generation: Number(item['generation']),
        records: item['records'] === true,
        ...(item['retiredAt'] === undefined ? {} : { retiredAt: Number(item['retiredAt']) }),
        reason: String(item['reason'] ?? ''),
      });
    }
    return notes;
  }

  async remove(type: string, generation: Generation, records: boolean): Promise<void> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.controlTable, Key: { pk: type, sk: retiredKey(generation, records) } }));
    } catch (error) {
      throw translateDynamoError(error, 'DeleteItem(retirement)', { type, generation });
    }
  }

  async sweptBelow(type: string): Promise<Generation> {
    const item = await this.#get(type, 'swept');
    return item ? Number(item['below']) : 1;
  }

  async markSwept(type: string, below: Generation): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.controlTable, Item: { pk: type, sk: 'swept', below } }));
    } catch (error) {
      throw translateDynamoError(error, 'PutItem(swept)', { type, below });
    }
  }

  async #get(type: string, sk: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.controlTable, Key: { pk: type, sk }, ConsistentRead: true }));
      return Item;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem(control)', { type, sk });
    }
  }

  async *#query(type: string, prefix: string, ascending: boolean): AsyncIterable<Record<string, unknown>> {
    const pages = queryPages(
      this.client,
      {
        TableName: this.controlTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': type, ':prefix': prefix },
        ScanIndexForward: ascending,
        ConsistentRead: true,
      },
      { operation: 'Query(control)', context: { type, prefix } },
    );
    for await (const items of pages) yield* items;
  }
}

function recordOf(item: Record<string, unknown> | undefined): BuildRecord | undefined {
  return item ? (JSON.parse(String(item['body'])) as BuildRecord) : undefined;
}

/** Zero-padded so notes sort by generation; a note for the catch-up log alone has its own key. */
function retiredKey(generation: Generation, records: boolean): string {
  return `retired#${String(generation).padStart(10, '0')}${records ? '' : '#log'}`;
}
