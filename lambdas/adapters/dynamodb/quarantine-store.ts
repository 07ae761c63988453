import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { QuarantineEntry, QuarantineStore } from '../../core/ports.ts';
import { isConditionFailure, translateDynamoError } from './errors.ts';
import { queryPages } from './query.ts';

/** Quarantined resources in the control table: `pk = type#quarantine`, `sk = id`. */
export class DynamoQuarantineStore implements QuarantineStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly controlTable: string,
    private readonly consistentReads = true,
  ) {}

  async list(type: string): Promise<QuarantineEntry[]> {
    const entries: QuarantineEntry[] = [];
    const pages = queryPages(
      this.client,
      {
        TableName: this.controlTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `${type}#quarantine` },
        ConsistentRead: this.consistentReads,
      },
      { operation: 'Query(quarantine)', context: { type } },
    );
    for await (const items of pages) entries.push(...items.map(entryFromItem));
    return entries;
  }

  async get(type: string, id: string): Promise<QuarantineEntry | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.controlTable, Key: { pk: `${type}#quarantine`, sk: id }, ConsistentRead: this.consistentReads }),
      );
      return Item ? entryFromItem(Item) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem(quarantine)', { type, id });
    }
  }

  async add(entry: QuarantineEntry): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.controlTable,
          Item: { pk: `${entry.type}#quarantine`, sk: entry.id, ...entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw translateDynamoError(error, 'PutItem(quarantine)', { type: entry.type, id: entry.id });
    }
  }

  async recordCleanCheck(type: string, id: string): Promise<number | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.controlTable,
          Key: { pk: `${type}#quarantine`, sk: id },
          UpdateExpression: 'ADD cleanChecks :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.['cleanChecks']);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw translateDynamoError(error, 'UpdateItem(quarantine)', { type, id });
    }
  }

  async release(type: string, id: string): Promise<boolean> {
    try {
      const { Attributes } = await this.client.send(
        new DeleteCommand({ TableName: this.controlTable, Key: { pk: `${type}#quarantine`, sk: id }, ReturnValues: 'ALL_OLD' }),
      );
      return Attributes !== undefined;
    } catch (error) {
      throw translateDynamoError(error, 'DeleteItem(quarantine)', { type, id });
    }
  }
}

function entryFromItem(item: Record<string, unknown>): QuarantineEntry {
  return {
    type: String(item['type']),
    id: String(item['id']),
    since: Number(item['since']),
    differences: Number(item['differences']),
    lastDifference: String(item['lastDifference'] ?? ''),
    cleanChecks: Number(item['cleanChecks'] ?? 0),
  };
}
