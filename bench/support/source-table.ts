/**
 * The memory benchmark's DynamoDB source: a table keyed by `id`, filled with the generated
 * documents of bench/rebuild.ts before the measured job starts.
 */
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { generated } from '../rebuild.ts';
import { batchWriteAll } from './batch-write.ts';

/** BatchWriteItem calls in flight while the table is filled. */
const FILL_CALLS_IN_FLIGHT = 16;

/** A filled source table: its name, how long the fill took, and how to drop it. */
export interface SourceTable {
  tableName: string;
  fillSeconds: number;
  drop(): Promise<void>;
}

/** Creates table `tableName` (partition key `id`, on demand) and writes documents 0 … size − 1 into it. */
export async function fillSourceTable(client: DynamoDBClient, tableName: string, size: number): Promise<SourceTable> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    }),
  );
  const doc = DynamoDBDocumentClient.from(client);
  const started = performance.now();
  await batchWriteAll(doc, tableName, size, FILL_CALLS_IN_FLIGHT, generated);
  return {
    tableName,
    fillSeconds: (performance.now() - started) / 1000,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}
