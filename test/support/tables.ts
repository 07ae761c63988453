import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../../lambdas/adapters/dynamodb/schema.ts';

/** Names of freshindex's two tables. */
export interface TableNames {
  indexTable: string;
  controlTable: string;
}

/** A table of the shared key schema (lambdas/adapters/dynamodb/schema.ts, the one lib/tables.ts deploys), on demand. */
function tableDefinition(name: string, keys: (typeof TABLE_KEYS)[keyof typeof TABLE_KEYS]): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: keys.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: keys.sortKey.name, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: keys.partitionKey.name, AttributeType: keys.partitionKey.type },
      { AttributeName: keys.sortKey.name, AttributeType: keys.sortKey.type },
    ],
  };
}

/**
 * Creates both tables (tests and benchmarks; on AWS and in the local runtime the CDK's template does), waits until they are
 * active and turns TTL on where the service supports it (dynalite has no TTL API).
 */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const definition of [tableDefinition(names.indexTable, TABLE_KEYS.index), tableDefinition(names.controlTable, TABLE_KEYS.control)]) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    }
    for (let attempt = 0; attempt < 100; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: definition.TableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      await client.send(
        new UpdateTimeToLiveCommand({ TableName: definition.TableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
      );
    } catch {
      // Emulators without a TTL API: tombstones then simply stay, which only costs space.
    }
  }
}
