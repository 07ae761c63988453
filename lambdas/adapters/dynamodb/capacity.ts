import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { CapacityProbe, TableWarmer, WarmResult, WriteCapacity } from '../../core/rebuild/index.ts';
import { translateDynamoError } from './errors.ts';

/**
 * Reads the index table's capacity mode with `DescribeTable` (the job role has it through
 * `grantReadWriteData`): on-demand, with its `MaxWriteRequestUnits` when one is set, or
 * provisioned, with the smallest write capacity of the table and its global secondary indexes
 * (a delete writes every index that holds the item). Raises an on-demand table's warm write
 * throughput before a large load with `UpdateTable` (the job role needs `dynamodb:UpdateTable`).
 */
export class DynamoTableCapacity implements CapacityProbe, TableWarmer {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async writeCapacity(): Promise<WriteCapacity | undefined> {
    const table = await this.#describe();
    return table ? capacityOf(table) : undefined;
  }

  /**
   * Raises the warm write throughput of an on-demand table to `writesPerSecond` when it is lower
   * (warm throughput never goes down, and each raise is billed: see docs/rebuild.md). A
   * provisioned table is left alone: its capacity is the operator's setting.
   */
  async warmWrites(writesPerSecond: number): Promise<WarmResult | undefined> {
    const table = await this.#describe();
    if (!table || table.BillingModeSummary?.BillingMode !== 'PAY_PER_REQUEST') return undefined;
    const before = table.WarmThroughput?.WriteUnitsPerSecond;
    if (before !== undefined && before >= writesPerSecond) return { before, after: before, raised: false };
    try {
      await this.client.send(new UpdateTableCommand({ TableName: this.table, WarmThroughput: { WriteUnitsPerSecond: writesPerSecond } }));
    } catch (error) {
      throw translateDynamoError(error, 'UpdateTable(warm throughput)', { table: this.table, writesPerSecond });
    }
    return { ...(before === undefined ? {} : { before }), after: writesPerSecond, raised: true };
  }

  async #describe(): Promise<TableDescription | undefined> {
    try {
      return (await this.client.send(new DescribeTableCommand({ TableName: this.table }))).Table;
    } catch (error) {
      throw translateDynamoError(error, 'DescribeTable', { table: this.table });
    }
  }
}

/** The write capacity a `DescribeTable` answer describes. */
export function capacityOf(table: TableDescription): WriteCapacity {
  const indexes = table.GlobalSecondaryIndexes ?? [];
  if (table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST') {
    // -1 (or nothing) means no maximum.
    const maxima = [table.OnDemandThroughput?.MaxWriteRequestUnits, ...indexes.map((index) => index.OnDemandThroughput?.MaxWriteRequestUnits)].filter(
      (units): units is number => units !== undefined && units > 0,
    );
    return maxima.length > 0 ? { mode: 'on-demand', maxWritesPerSecond: Math.min(...maxima) } : { mode: 'on-demand' };
  }
  const units = [table.ProvisionedThroughput?.WriteCapacityUnits, ...indexes.map((index) => index.ProvisionedThroughput?.WriteCapacityUnits)].filter(
    (value): value is number => value !== undefined && value > 0,
  );
  return { mode: 'provisioned', writesPerSecond: units.length > 0 ? Math.min(...units) : 1 };
}
