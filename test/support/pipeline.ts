/**
 * The incremental pipeline as it runs on AWS, on the test backend: SNS topic → SQS queue (with
 * its dead-letter queue and redrive policy) → the local event-source poller → the real apply
 * handler → the DynamoDB index.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, DeleteMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishBatchCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FreshindexConfigInput } from '../../lambdas/core/config/index.ts';
import type { ChangeEvent } from '../../lambdas/core/events.ts';
import type { StoredRecord } from '../../lambdas/core/records.ts';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../../lambdas/adapters/compose/index.ts';
import { createTables } from './tables.ts';
import { createApplyHandler, type SqsHandler } from '../../lambdas/handlers/apply.ts';
import { SqsEventSource } from '../../lambdas/local/event-source.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { AwsTestEnv } from './aws.ts';

export interface PipelineOptions {
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
  batchSize?: number;
  rawDelivery?: boolean;
  /** For configs selecting `store: { type: 'redis' }`. */
  redisUrl?: string;
  /** The dead-letter queue's MaximumMessageSize in bytes (default: the backend's). */
  dlqMaximumMessageSize?: number;
  /** The DynamoDB client of the runtime (a fault-injected one, say). @default the test backend's */
  dynamodb?: DynamoDBClient;
  /** The embedding providers' clients and environment (embed steps). */
  embedderDeps?: RuntimeOverrides['embedderDeps'];
  /** The apply handler's Powertools metrics (one that records what it is given, say). @default a plain one */
  metrics?: Metrics;
  /** Pollers invoking the handler at once. @default 2 */
  concurrency?: number;
  /** Gives the apply function a verify queue (unpolled), where it schedules every change's check: `pipeline.checks()` reads them. */
  verifyQueue?: boolean;
  /** The SQS client of the runtime (its dead letters and checks; a fault-injected one, say). The poller keeps the backend's. @default the test backend's */
  sqs?: SQSClient;
}

export interface DeadLetter {
  body: string;
  reason: string;
  attributes: Record<string, string>;
}

export interface Pipeline {
  runtime: Runtime;
  topicArn: string;
  queueUrl: string;
  dlqUrl: string;
  /** Publishes change events to the topic (SNS PublishBatch, with the `type` attribute). */
  publish(...events: Array<ChangeEvent | Record<string, unknown> | string>): Promise<void>;
  /** The record of `type/id` in the active generation. */
  read(type: string, id: string): Promise<StoredRecord | undefined>;
  /** Waits until `check` holds, polling; fails after `timeoutMs`. */
  until(check: () => Promise<boolean> | boolean, timeoutMs?: number): Promise<void>;
  /** Drains the dead-letter queue. */
  deadLetters(): Promise<DeadLetter[]>;
  /** The check messages on the verify queue (with `verifyQueue: true`), up to 10 per call. */
  checks(): Promise<Array<Record<string, unknown>>>;
  poller: SqsEventSource;
  /** The apply handler the poller invokes (tests may invoke it directly, after `poller.stop()`). */
  handler: SqsHandler;
  stop(): Promise<void>;
}

let seq = 0;

/** Creates the resources, starts the poller on the real handler, and returns the pipeline. */
export async function startPipeline(aws: AwsTestEnv, config: FreshindexConfigInput, options: PipelineOptions = {}): Promise<Pipeline> {
  const n = ++seq;
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const tables = { indexTable: `index-${n}`, controlTable: `control-${n}` };
  await createTables(aws.dynamodb, tables);
  const { TopicArn: topicArn } = await aws.sns.send(new CreateTopicCommand({ Name: `changes-${n}` }));
  const dlqAttributes = options.dlqMaximumMessageSize ? { MaximumMessageSize: String(options.dlqMaximumMessageSize) } : undefined;
  const { QueueUrl: dlqUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `apply-dlq-${n}`, Attributes: dlqAttributes }));
  const dlqArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  const { QueueUrl: queueUrl } = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: `apply-${n}`,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 1),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  const queueArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  await aws.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: options.rawDelivery ? 'true' : 'false' },
    }),
  );

  const verifyQueueUrl = options.verifyQueue ? (await aws.sqs.send(new CreateQueueCommand({ QueueName: `verify-${n}` }))).QueueUrl : undefined;
  const env = {
    FRESHINDEX_INDEX_TABLE: tables.indexTable,
    FRESHINDEX_CONTROL_TABLE: tables.controlTable,
    FRESHINDEX_APPLY_DLQ_URL: dlqUrl,
    FRESHINDEX_MAX_RECEIVE_COUNT: String(maxReceiveCount),
    ...(verifyQueueUrl ? { FRESHINDEX_VERIFY_QUEUE_URL: verifyQueueUrl } : {}),
  };
  const runtime = createRuntime(
    config,
    { ...tables, redisUrl: options.redisUrl, deadLetterQueueUrl: dlqUrl, ...(verifyQueueUrl ? { verifyQueueUrl } : {}) },
    { dynamodb: options.dynamodb ?? aws.dynamodb, sqs: options.sqs ?? aws.sqs, sourceDeps: { backoff: { baseMs: 20, capMs: 100 } }, ...(options.embedderDeps ? { embedderDeps: options.embedderDeps } : {}) },
  );
  const handler = createApplyHandler(config, {
    env,
    runtime,
    logger: new Logger({ serviceName: 'test-apply', logLevel: 'SILENT' }),
    metrics: options.metrics ?? new Metrics({ namespace: 'test', serviceName: 'test-apply' }),
  });
  const poller = new SqsEventSource({
    sqs: aws.sqs,
    queueUrl: queueUrl as string,
    handler,
    batchSize: options.batchSize ?? 10,
    waitTimeSeconds: 1,
    concurrency: options.concurrency ?? 2,
    // As on AWS, where a queue's visibility timeout must be at least its function's timeout.
    functionTimeoutMs: (options.visibilityTimeoutSeconds ?? 1) * 1000,
    onError: () => {},
  });
  await poller.start();

  const pipeline: Pipeline = {
    runtime,
    topicArn: topicArn as string,
    queueUrl: queueUrl as string,
    dlqUrl: dlqUrl as string,
    poller,
    handler,
    async publish(...events) {
      for (let i = 0; i < events.length; i += 10) {
        const chunk = events.slice(i, i + 10);
        await aws.sns.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: chunk.map((event, j) => {
              const type = typeof event === 'string' ? undefined : (event as { type?: unknown }).type;
              return {
                Id: String(j),
                Message: typeof event === 'string' ? event : JSON.stringify(event),
                ...(typeof type === 'string' ? { MessageAttributes: { type: { DataType: 'String', StringValue: type } } } : {}),
              };
            }),
          }),
        );
      }
    },
    async read(type, id) {
      const pointer = await runtime.pointerStore.readPointer(type);
      if (!pointer) return undefined;
      return (await runtime.records.getRecords(type, pointer.active, [id])).get(id);
    },
    async until(check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async checks() {
      if (!verifyQueueUrl) throw new Error('startPipeline: pass verifyQueue: true to read checks');
      const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: verifyQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      return Messages.map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>);
    },
    async deadLetters() {
      const letters: DeadLetter[] = [];
      for (;;) {
        const { Messages = [] } = await aws.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) return letters;
        for (const message of Messages) {
          const attributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, String(v.StringValue)]));
          letters.push({ body: message.Body ?? '', reason: attributes['reason'] ?? '', attributes });
          await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle }));
        }
      }
    },
    async stop() {
      await poller.stop();
      await runtime.close();
    },
  };
  return pipeline;
}
