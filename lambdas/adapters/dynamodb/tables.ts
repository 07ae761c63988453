import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/** Names of freshindex's two tables. */
export interface TableNames {
  indexTable: string;
  controlTable: string;
}

function tableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
  };
}

/** The index table: `pk` (S) = `type#generation#bucket`, `sk` (S) = id (see keys.ts); TTL on `expiresAt`. Mirrors lib/. */
export function indexTableDefinition(name: string): CreateTableCommandInput {
  return tableDefinition(name);
}

/** The control table: `pk` (S), `sk` (S); TTL on `expiresAt`. Mirrors lib/. */
export function controlTableDefinition(name: string): CreateTableCommandInput {
  return tableDefinition(name);
}

/**
 * Creates both tables (tests and the local runtime; on AWS the CDK does), waits until they are
 * active and turns TTL on where the service supports it (dynalite has no TTL API).
 */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const definition of [indexTableDefinition(names.indexTable), controlTableDefinition(names.controlTable)]) {
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
        new UpdateTimeToLiveCommand({ TableName: definition.TableName, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }),
      );
    } catch {
      // Emulators without a TTL API: tombstones then simply stay, which only costs space.
    }
  }
}
