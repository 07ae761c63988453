/**
 * The job step that raises an on-demand index table's warm write throughput before a large load
 * (`DynamoTableCapacity.warmWrites`), against a real DescribeTable / UpdateTable: moto_server
 * implements `WarmThroughput`; dynalite refuses an UpdateTable that carries only it, so on the
 * embedded emulators a stand-in at the SDK client answers for DynamoDB (`emulateWarmThroughput`:
 * the table starts at 4,000 writes/s warm, as moto and a new on-demand table do).
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTableCapacity } from '../../../lambdas/adapters/dynamodb/capacity.ts';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

let tables = 0;

describe('warm throughput of the index table', () => {
  let aws: AwsTestEnv;
  let client: DynamoDBClient;
  let sent: string[];

  beforeAll(async () => {
    aws = await startAws();
    client = new DynamoDBClient({ endpoint: aws.endpoints.dynamodb, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    sent = [];
    client.middlewareStack.add((next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    }, { step: 'initialize', name: 'countCommands' });
    if (aws.backend === 'embedded') emulateWarmThroughput(client);
  });
  afterAll(async () => {
    client.destroy();
    await aws.stop();
  });

  async function createTable(billing: 'PAY_PER_REQUEST' | 'PROVISIONED'): Promise<string> {
    const name = `warm-${++tables}-${process.pid}`;
    await client.send(new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: billing,
      ...(billing === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {}),
    }));
    sent.length = 0;
    return name;
  }

  const warmWrites = async (table: string) => (await client.send(new DescribeTableCommand({ TableName: table }))).Table?.WarmThroughput?.WriteUnitsPerSecond;

  it('raises an on-demand table to the load\'s write rate, and the table then reports it', async () => {
    // Prepare
    const table = await createTable('PAY_PER_REQUEST');

    // Act
    const result = await new DynamoTableCapacity(client, table).warmWrites(16_000);

    // Assess
    expect(result).toEqual({ before: 4_000, after: 16_000, raised: true });
    expect(await warmWrites(table)).toBe(16_000);
  });

  it('leaves a table that is warm enough as it is, without an UpdateTable', async () => {
    // Prepare
    const table = await createTable('PAY_PER_REQUEST');
    await new DynamoTableCapacity(client, table).warmWrites(16_000);
    sent.length = 0;

    // Act
    const result = await new DynamoTableCapacity(client, table).warmWrites(10_000);

    // Assess
    expect(result).toEqual({ before: 16_000, after: 16_000, raised: false });
    expect(sent).toEqual(['DescribeTableCommand']);
    expect(await warmWrites(table)).toBe(16_000);
  });

  it('leaves a provisioned table alone: its capacity is the operator\'s setting', async () => {
    // Prepare
    const table = await createTable('PROVISIONED');

    // Act
    const result = await new DynamoTableCapacity(client, table).warmWrites(16_000);

    // Assess
    expect(result).toBeUndefined();
    expect(sent).toEqual(['DescribeTableCommand']);
  });

  it('fails with a StoreError naming the table when the table cannot be read', async () => {
    // Act
    const result = new DynamoTableCapacity(client, 'no-such-table').warmWrites(16_000);

    // Assess
    await expect(result).rejects.toBeInstanceOf(StoreError);
    await expect(result).rejects.toMatchObject({ context: { table: 'no-such-table' } });
  });
});

/**
 * Answers for DynamoDB what dynalite lacks: an UpdateTable carrying only `WarmThroughput` is
 * accepted and remembered (never sent on), and DescribeTable reports the table's warm throughput
 * (4,000 writes/s until raised, on-demand tables only).
 */
function emulateWarmThroughput(client: DynamoDBClient): void {
  const warm = new Map<string, number>();
  client.middlewareStack.add((next, context) => async (args) => {
    const input = args.input as { TableName?: string; WarmThroughput?: { WriteUnitsPerSecond?: number } };
    if (context.commandName === 'UpdateTableCommand' && input.WarmThroughput && Object.keys(input).length === 2) {
      warm.set(String(input.TableName), input.WarmThroughput.WriteUnitsPerSecond ?? 0);
      return { output: { $metadata: {} }, response: {} } as never;
    }
    const result = await next(args);
    const table = (result.output as { Table?: TableDescription }).Table;
    if (context.commandName === 'DescribeTableCommand' && table?.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST') {
      table.WarmThroughput = { ReadUnitsPerSecond: 12_000, WriteUnitsPerSecond: warm.get(String(input.TableName)) ?? 4_000, Status: 'ACTIVE' };
    }
    return result;
  }, { step: 'initialize', name: 'emulateWarmThroughput' });
}
