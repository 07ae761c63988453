/**
 * The embedded emulators of `freshindex dev` and the integration suite: reachable from this
 * machine only, and emptied by `reset`.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, ListTopicsCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators, type EmbeddedEmulators } from '../../../lambdas/local/emulators.ts';

/** Resolves with the error code of a TCP connection attempt, or `connected`. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** This machine's first non-loopback IPv4 address, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
}

describe('the embedded emulators', () => {
  let emulators: EmbeddedEmulators;
  beforeAll(async () => {
    emulators = await startEmbeddedEmulators();
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('listen on the loopback interface only, SNS+SQS as well as DynamoDB', () => {
    expect([emulators.listening.sqs.address, emulators.listening.dynamodb.address]).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it.runIf(externalAddress() !== undefined)("refuse connections to this machine's other addresses", async () => {
    const external = externalAddress() as string;

    const answers = await Promise.all([
      tryConnect(external, emulators.listening.sqs.port),
      tryConnect(external, emulators.listening.dynamodb.port),
      tryConnect('127.0.0.1', emulators.listening.sqs.port),
    ]);

    expect(answers).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'connected']);
  });

  it('forget every queue, topic and table on reset', async () => {
    const config = (endpoint: string) => ({ endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
    const sqs = new SQSClient(config(emulators.endpoints.sqs));
    const sns = new SNSClient(config(emulators.endpoints.sns));
    const dynamodb = new DynamoDBClient(config(emulators.endpoints.dynamodb));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'reset-me' }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'reset-me' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: `arn:aws:sqs:${EMULATOR_REGION}:000000000000:reset-me` }));
    await dynamodb.send(new CreateTableCommand({ TableName: 'reset-me', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));

    await emulators.reset();

    const [queues, topics, tables] = await Promise.all([sqs.send(new ListQueuesCommand({})), sns.send(new ListTopicsCommand({})), dynamodb.send(new ListTablesCommand({}))]);
    expect([QueueUrl !== undefined, queues.QueueUrls ?? [], topics.Topics ?? [], tables.TableNames ?? []]).toEqual([true, [], [], []]);
    sqs.destroy();
    sns.destroy();
    dynamodb.destroy();
  });
});
