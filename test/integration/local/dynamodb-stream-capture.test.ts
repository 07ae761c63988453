/**
 * DynamoDB Streams capture through the local path: the source table's stream → the local stream
 * source → the real stream-capture handler → the change topic → the apply queue → the apply
 * handler → the index. moto_server implements streams, so the whole path runs in the
 * integration-moto project; dynalite implements none, so the embedded run checks that the local
 * runtime says so instead of waiting for records that never come.
 */
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, type PublishBatchCommandOutput } from '@aws-sdk/client-sns';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { CreateTableCommand, DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { createStreamCaptureHandler } from '../../../lambdas/handlers/stream-capture.ts';
import { DynamodbStreamSource, latestStreamArn } from '../../../lambdas/local/dynamodb-stream-source.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { motoEndpoint } from '../../support/moto.ts';
import { startPipeline, type Pipeline } from '../../support/pipeline.ts';

let tables = 0;

function productConfig(tableName: string) {
  return defineConfig({
    types: [
      {
        name: 'product',
        source: { type: 'dynamodb', tableName, keyAttribute: 'sku', capture: { version: { attribute: 'rev' } } },
        transform: (doc) => ({ title: String(doc['title']), price: Number(doc['price']) }),
        version: (doc) => doc['rev'] as number,
      },
    ],
  });
}

async function createSourceTable(aws: AwsTestEnv, stream: boolean): Promise<string> {
  const tableName = `cms-products-${++tables}`;
  await aws.dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'sku', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } } : {}),
    }),
  );
  return tableName;
}

describe('DynamoDB Streams capture, locally', () => {
  let aws: AwsTestEnv;
  let streams: DynamoDBStreamsClient;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    aws = await startAws();
    streams = new DynamoDBStreamsClient(aws.clientConfig('dynamodb'));
  });
  afterEach(async () => {
    for (const item of running.splice(0).reverse()) await item.stop();
  });
  afterAll(async () => {
    streams.destroy();
    await aws.stop();
  });

  async function startCapture(tableName: string, pipeline: Pipeline, dlqUrl: string) {
    const found = await latestStreamArn(aws.dynamodb, tableName);
    if (!found.ok) throw new Error(found.reason);
    const handler = createStreamCaptureHandler(productConfig(tableName), {
      env: { FRESHINDEX_CHANGE_TOPIC_ARN: pipeline.topicArn, FRESHINDEX_CAPTURE_DLQ_URL: dlqUrl },
      sns: aws.sns,
      sqs: aws.sqs,
      logger: new Logger({ serviceName: 'test-capture', logLevel: 'SILENT' }),
    });
    const source = new DynamodbStreamSource({ streams, streamArn: found.arn, handler, pollIntervalMs: 100, retryDelayMs: 100 });
    await source.start();
    running.push(source);
  }

  async function captureDeadLetters(queueUrl: string): Promise<Array<{ reason: string; body: string }>> {
    const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    for (const message of Messages) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    return Messages.map((message) => ({ reason: message.MessageAttributes?.['reason']?.StringValue ?? '', body: message.Body ?? '' }));
  }

  it('reports the first record whose event the change topic refused, so Lambda retries the shard from it', async () => {
    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: `capture-topic-${++tables}` }));
    const { QueueUrl: dlqUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `capture-dlq-${tables}` }));
    const sns = new SNSClient(aws.clientConfig('sns'));
    // SNS answers a PublishBatch entry by entry: make it refuse the second one, as a throttled topic does.
    sns.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName !== 'PublishBatchCommand') return result;
        const output = result.output as PublishBatchCommandOutput;
        output.Successful = (output.Successful ?? []).filter((entry) => entry.Id !== '1');
        output.Failed = [{ Id: '1', Code: 'Throttled', SenderFault: false, Message: 'rate exceeded' }];
        return result;
      },
      { step: 'initialize' },
    );
    const handler = createStreamCaptureHandler(productConfig('cms-products'), {
      env: { FRESHINDEX_CHANGE_TOPIC_ARN: TopicArn as string, FRESHINDEX_CAPTURE_DLQ_URL: dlqUrl as string },
      sns,
      sqs: aws.sqs,
      logger: new Logger({ serviceName: 'test-capture', logLevel: 'SILENT' }),
    });
    const record = (sku: string, sequence: string) => ({
      eventID: `e-${sku}`,
      eventName: 'INSERT' as const,
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/cms-products/stream/2026-12-01T00:00:00.000',
      dynamodb: { Keys: { sku: { S: sku } }, NewImage: { sku: { S: sku }, rev: { N: '1' } }, SequenceNumber: sequence },
    });

    const response = await handler({ Records: [record('a', '100'), record('b', '200'), record('c', '300')] });

    sns.destroy();
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
  });

  // The backend is chosen per vitest project (test/support/aws.ts): the same file runs on both.
  if (motoEndpoint()) {
    it('brings a put, an update and a delete on the source table into the index', async () => {
      const tableName = await createSourceTable(aws, true);
      const pipeline = await startPipeline(aws, productConfig(tableName));
      running.push(pipeline);
      const { QueueUrl: dlqUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `capture-dlq-${tables}` }));
      await startCapture(tableName, pipeline, dlqUrl as string);

      await aws.dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { sku: { S: 'p-1' }, rev: { N: '1' }, title: { S: 'Lamp' }, price: { N: '30' } } }));
      await pipeline.until(async () => (await pipeline.read('product', 'p-1'))?.version === 1);
      expect((await pipeline.read('product', 'p-1'))?.record).toEqual({ title: 'Lamp', price: 30 });

      await aws.dynamodb.send(
        new UpdateItemCommand({ TableName: tableName, Key: { sku: { S: 'p-1' } }, UpdateExpression: 'SET price = :p, rev = :r', ExpressionAttributeValues: { ':p': { N: '25' }, ':r': { N: '2' } } }),
      );
      await pipeline.until(async () => (await pipeline.read('product', 'p-1'))?.version === 2);
      expect((await pipeline.read('product', 'p-1'))?.record).toEqual({ title: 'Lamp', price: 25 });

      await aws.dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: { sku: { S: 'p-1' } } }));
      await pipeline.until(async () => (await pipeline.read('product', 'p-1'))?.deleted === true);
      expect(await pipeline.read('product', 'p-1')).toMatchObject({ deleted: true, version: 2 });
      expect(await pipeline.deadLetters()).toEqual([]);
    });

    it('dead-letters a write without the version attribute, with its reason, and applies the next one', async () => {
      const tableName = await createSourceTable(aws, true);
      const pipeline = await startPipeline(aws, productConfig(tableName));
      running.push(pipeline);
      const { QueueUrl: dlqUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `capture-dlq-${tables}` }));
      await startCapture(tableName, pipeline, dlqUrl as string);

      await aws.dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { sku: { S: 'p-bad' }, title: { S: 'No rev' }, price: { N: '1' } } }));
      await aws.dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { sku: { S: 'p-2' }, rev: { N: '1' }, title: { S: 'Desk' }, price: { N: '90' } } }));

      await pipeline.until(async () => (await pipeline.read('product', 'p-2')) !== undefined);
      const letters = await captureDeadLetters(dlqUrl as string);
      expect(letters).toEqual([{ reason: expect.stringContaining('its NewImage has no string or number attribute "rev"'), body: expect.stringContaining('p-bad') }]);
    });

    it('reads a shard again from the record the handler reported failed, and only then moves on', async () => {
      const tableName = await createSourceTable(aws, true);
      const found = await latestStreamArn(aws.dynamodb, tableName);
      if (!found.ok) throw new Error(found.reason);
      const deliveries: string[][] = [];
      const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
        const skus = event.Records.map((record) => String(record.dynamodb?.Keys?.['sku']?.S));
        deliveries.push(skus);
        const failed = deliveries.length === 1 ? event.Records.find((record) => record.dynamodb?.Keys?.['sku']?.S === 'b') : undefined;
        return { batchItemFailures: failed ? [{ itemIdentifier: String(failed.dynamodb?.SequenceNumber) }] : [] };
      };
      for (const sku of ['a', 'b', 'c']) await aws.dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { sku: { S: sku }, rev: { N: '1' } } }));
      const source = new DynamodbStreamSource({ streams, streamArn: found.arn, handler, startingPosition: 'TRIM_HORIZON', pollIntervalMs: 50, retryDelayMs: 50 });
      await source.start();
      running.push(source);

      const deadline = Date.now() + 20_000;
      while (deliveries.flat().filter((sku) => sku === 'c').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(deliveries.slice(0, 2)).toEqual([
        ['a', 'b', 'c'],
        ['b', 'c'],
      ]);
    });
  } else {
    it('says that the embedded dynalite has no streams, and what to run instead', async () => {
      const tableName = await createSourceTable(aws, true);
      const found = await latestStreamArn(aws.dynamodb, tableName);
      expect(found).toEqual({ ok: false, reason: expect.stringMatching(/has no stream on this DynamoDB endpoint.*dynalite implements no streams.*moto_server/) });
    });
  }
});
