/**
 * The checker as it runs on AWS, on the test backend: a change topic and the checker's own
 * re-checks feed the verify queue (the topic stands for what a deployment before the apply
 * functions scheduled the checks left on the queue, SNS envelopes the handler still reads; the
 * apply → verify path runs in test/integration/local/checks.test.ts); the real verify handler runs on what the test receives from
 * it (explicitly, one batch at a time, so tests decide when time passes); alerts go to a topic an
 * SQS queue subscribes to, so tests read them as an operator's mailbox would.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { createRuntime, type Runtime } from '../../../lambdas/adapters/compose/index.ts';
import type { DifferenceCounters } from '../../../lambdas/core/verify/ports.ts';
import { createTables } from '../../support/tables.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import type { Alert } from '../../../lambdas/core/ports.ts';
import type { StoredRecord } from '../../../lambdas/core/records.ts';
import { createVerifyHandler } from '../../../lambdas/handlers/verify.ts';
import type { SqsHandler } from '../../../lambdas/handlers/apply.ts';
import { createLambdaContext } from '../../../lambdas/local/lambda-context.ts';
import { toSqsEvent } from '../../../lambdas/local/sqs-event.ts';
import type { AwsTestEnv } from '../../support/aws.ts';
import { recordKey } from '../../../lambdas/adapters/dynamodb/keys.ts';

export interface VerifyWorld {
  runtime: Runtime;
  counters: DifferenceCounters;
  handler: SqsHandler;
  tables: { indexTable: string; controlTable: string };
  verifyQueueUrl: string;
  dlqUrl: string;
  alertsQueueUrl: string;
  /** Publishes a change event on the change topic (the verify queue subscribes to it). */
  publish(event: ChangeEvent): Promise<void>;
  /** Writes an item straight into the index table, as a writer other than freshindex would. */
  putRaw(type: string, id: string, fields: { version: number; hash: string; record: unknown }): Promise<void>;
  read(type: string, id: string): Promise<StoredRecord | undefined>;
  /** Receives one batch from the verify queue (waiting up to `waitSeconds`), runs the handler on it; the messages handled. */
  runOnce(waitSeconds?: number): Promise<Message[]>;
  /** Runs batches until `done` holds; fails after `timeoutMs`. */
  runUntil(done: () => Promise<boolean> | boolean, timeoutMs?: number): Promise<void>;
  /** Alerts delivered so far (drains the alerts queue, waiting up to `waitSeconds` for the first). */
  alerts(waitSeconds?: number): Promise<Alert[]>;
  /** Messages waiting out a delivery delay on the verify queue. */
  delayedMessages(): Promise<number>;
  /** Messages left on a queue (drains it). */
  drain(queueUrl: string, waitSeconds?: number): Promise<Message[]>;
}

let seq = 0;

/** Creates tables, topics and queues, and the real verify handler on them. */
export async function startVerifyWorld(aws: AwsTestEnv, config: FreshindexConfigInput): Promise<VerifyWorld> {
  const n = ++seq;
  const tables = { indexTable: `vindex-${n}`, controlTable: `vcontrol-${n}` };
  await createTables(aws.dynamodb, tables);
  const queue = async (name: string) => {
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '2' } }));
    const arn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
    return { url: QueueUrl as string, arn: arn as string };
  };
  const topic = async (name: string) => (await aws.sns.send(new CreateTopicCommand({ Name: name }))).TopicArn as string;
  const [verifyQueue, dlq, alertsQueue] = await Promise.all([queue(`verify-${n}`), queue(`verify-dlq-${n}`), queue(`alerts-inbox-${n}`)]);
  const [changeTopicArn, alertsTopicArn] = await Promise.all([topic(`vchanges-${n}`), topic(`alerts-${n}`)]);
  await aws.sns.send(new SubscribeCommand({ TopicArn: changeTopicArn, Protocol: 'sqs', Endpoint: verifyQueue.arn }));
  await aws.sns.send(new SubscribeCommand({ TopicArn: alertsTopicArn, Protocol: 'sqs', Endpoint: alertsQueue.arn }));

  const runtime = createRuntime(config, tables, { dynamodb: aws.dynamodb, sourceDeps: { backoff: { baseMs: 20, capMs: 100 } } });
  const counters = runtime.differences;
  const handler = createVerifyHandler(config, {
    env: {
      FRESHINDEX_INDEX_TABLE: tables.indexTable,
      FRESHINDEX_CONTROL_TABLE: tables.controlTable,
      FRESHINDEX_VERIFY_QUEUE_URL: verifyQueue.url,
      FRESHINDEX_VERIFY_DLQ_URL: dlq.url,
      FRESHINDEX_ALERTS_TOPIC_ARN: alertsTopicArn,
    },
    dynamodb: aws.dynamodb,
    sourceDeps: { backoff: { baseMs: 20, capMs: 100 } },
    sqs: aws.sqs,
    sns: aws.sns,
    logger: new Logger({ serviceName: 'test-verify', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'test-verify' }),
  });

  const receive = async (queueUrl: string, waitSeconds: number) =>
    (
      await aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];
  const remove = async (queueUrl: string, messages: Message[]) => {
    if (messages.length === 0) return;
    await aws.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })) }),
    );
  };
  const drain = async (queueUrl: string, waitSeconds = 1) => {
    const all: Message[] = [];
    for (;;) {
      const messages = await receive(queueUrl, all.length === 0 ? waitSeconds : 0);
      if (messages.length === 0) return all;
      all.push(...messages);
      await remove(queueUrl, messages);
    }
  };

  const world: VerifyWorld = {
    runtime,
    counters,
    handler,
    tables,
    verifyQueueUrl: verifyQueue.url,
    dlqUrl: dlq.url,
    alertsQueueUrl: alertsQueue.url,
    async publish(event) {
      await aws.sns.send(new PublishCommand({ TopicArn: changeTopicArn, Message: JSON.stringify(event) }));
    },
    async putRaw(type, id, fields) {
      const generation = (await runtime.pointers.get(type)).active;
      await aws.doc.send(
        new PutCommand({
          TableName: tables.indexTable,
          Item: { ...recordKey(type, generation, id), type, id, generation, version: fields.version, hash: fields.hash, deleted: false, writtenAt: Date.now(), record: JSON.stringify(fields.record) },
        }),
      );
    },
    async read(type, id) {
      const generation = (await runtime.pointers.get(type)).active;
      return (await runtime.records.getRecords(type, generation, [id])).get(id);
    },
    async runOnce(waitSeconds = 1) {
      const messages = await receive(verifyQueue.url, waitSeconds);
      if (messages.length === 0) return [];
      const event = toSqsEvent(messages, { queueArn: verifyQueue.arn, region: 'us-east-1' });
      const response = (await handler(event, createLambdaContext({ functionName: 'verify', timeoutMs: 30_000, region: 'us-east-1' }))) as SQSBatchResponse;
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      await remove(verifyQueue.url, messages.filter((m) => !failed.has(m.MessageId as string)));
      return messages;
    },
    async runUntil(done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await world.runOnce(1);
      }
    },
    async alerts(waitSeconds = 1) {
      const messages = await drain(alertsQueue.url, waitSeconds);
      return messages.map((m) => {
        const body = JSON.parse(m.Body as string) as { Message?: string };
        return JSON.parse(body.Message ?? (m.Body as string)) as Alert;
      });
    },
    async delayedMessages() {
      const { Attributes } = await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: verifyQueue.url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
      );
      return Number(Attributes?.['ApproximateNumberOfMessagesDelayed'] ?? 0);
    },
    drain,
  };
  return world;
}
