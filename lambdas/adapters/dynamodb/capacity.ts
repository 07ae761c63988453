import { DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { CapacityProbe, WriteCapacity } from '../../core/rebuild/index.ts';
import { translateDynamoError } from './errors.ts';

/**
 * Reads the index table's capacity mode with `DescribeTable` (the job role has it through
 * `grantReadWriteData`): on-demand, with its `MaxWriteRequestUnits` when one is set, or
 * provisioned, with the smallest write capacity of the table and its global secondary indexes
 * (a delete writes every index that holds the item).
 */
export class DynamoTableCapacity implements CapacityProbe {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async writeCapacity(): Promise<WriteCapacity | undefined> {
    let table: TableDescription | undefined;
    try {
      table = (await this.client.send(new DescribeTableCommand({ TableName: this.table }))).Table;
    } catch (error) {
      throw translateDynamoError(error, 'DescribeTable', { table: this.table });
    }
    return table ? capacityOf(table) : undefined;
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
