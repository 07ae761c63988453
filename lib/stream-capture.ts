import { Annotations, Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionDeadLetterQueue } from './change-queue.ts';
import { streamCaptureTargets } from '../lambdas/core/capture/dynamodb-stream.ts';
import { PropChecks } from './checks.ts';
import type { FreshindexConfigFile } from './config.ts';
import { FreshindexFunction, type FreshindexFunctionOptions } from './function.ts';
import { acknowledge, KMS_SEND_ACTIONS } from './nag.ts';

/** Settings of {@link DynamodbStreamCapture} a user chooses. */
export interface DynamodbStreamCaptureOptions extends FreshindexFunctionOptions {
  /**
   * The stream ARN of a captured type's table, by type name; wins over the config's
   * `capture.streamArn` (for example `table.tableStreamArn` of a table defined in the same app).
   *
   * @default - each type's `source.capture.streamArn`
   */
  readonly streamArns?: Readonly<Record<string, string>>;
  /**
   * Records per invocation (1 to 10,000).
   *
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers records before invoking (0 to 300 s): a latency floor of the capture.
   *
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Where a new mapping starts reading. `TRIM_HORIZON` reads the last 24 hours the stream keeps
   * (harmless: the version guard and the source reads make a replay idempotent); `LATEST` only
   * what is written after the mapping is enabled.
   *
   * @default lambda.StartingPosition.TRIM_HORIZON
   */
  readonly startingPosition?: lambda.StartingPosition;
  /**
   * Retries of a failed batch before its records' location goes to the dead-letter queue (0 to 10,000).
   *
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Concurrent batches per shard (1 to 10); records of one key stay in order.
   *
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * How long dead letters are kept.
   *
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
}

/** Props of {@link DynamodbStreamCapture}. */
export interface DynamodbStreamCaptureProps extends DynamodbStreamCaptureOptions {
  /** The user's config file, loaded and validated: its types whose DynamoDB source declares `capture`. */
  readonly config: FreshindexConfigFile;
  /** Where the change events go. */
  readonly changeTopic: sns.ITopic;
  /** The change topic's key. */
  readonly topicKey: kms.IKey;
  /** The key the dead-letter queue is encrypted with. */
  readonly encryptionKey: kms.IKey;
}

/**
 * DynamoDB Streams capture: one small function reading every captured table's stream and
 * publishing change events to the change topic, each with the `type` message attribute the
 * subscriptions filter on (EventBridge Pipes cannot set SNS message attributes: docs/cdc.md). Each
 * table gets an event source mapping with partial batch responses, bisection of a failing batch,
 * bounded retries and an on-failure destination; records that can never become an event are sent
 * by the function itself to the same dead-letter queue, with their reason. The function may read
 * those streams, publish to the change topic and send to its dead-letter queue, nothing else.
 *
 * @example
 * new DynamodbStreamCapture(this, 'StreamCapture', { config, changeTopic: data.changeTopic, topicKey: data.topicKey, encryptionKey: data.queueKey });
 */
export class DynamodbStreamCapture extends Construct {
  /** The capture function, its role and log group. */
  public readonly handler: FreshindexFunction;
  /** Records that could not become events (with their reason) and batches that failed for good (their stream location). */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DynamodbStreamCaptureProps) {
    super(scope, id);
    const streams = capturedStreams(this, props);

    this.deadLetterQueue = functionDeadLetterQueue(this, { encryptionKey: props.encryptionKey, retention: props.deadLetterRetention });
    this.handler = new FreshindexFunction(this, 'Handler', {
      ...props,
      handler: 'stream-capture',
      configFile: props.config.path,
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(60),
      description: 'freshindex stream capture: DynamoDB streams to the change topic',
      environment: { ...props.environment, FRESHINDEX_CHANGE_TOPIC_ARN: props.changeTopic.topicArn, FRESHINDEX_CAPTURE_DLQ_URL: this.deadLetterQueue.queueUrl },
    });
    const fn = this.handler.function;
    for (const [index, { tableName, streamArn }] of streams.entries()) {
      const table = dynamodb.Table.fromTableAttributes(this, `Table${index}`, { tableName, tableStreamArn: streamArn });
      fn.addEventSource(
        new sources.DynamoEventSource(table, {
          startingPosition: props.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
          batchSize: props.batchSize ?? 100,
          maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
          retryAttempts: props.retryAttempts ?? 10,
          parallelizationFactor: props.parallelizationFactor ?? 1,
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          onFailure: new sources.SqsDlq(this.deadLetterQueue),
        }),
      );
    }
    props.changeTopic.grantPublish(fn);
    props.topicKey.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.deadLetterQueue.grantSendMessages(fn);

    acknowledge(this.handler.role, { ...KMS_SEND_ACTIONS, 'AwsSolutions-IAM5[Resource::*]': 'dynamodb:ListStreams (granted by the DynamoDB event source) supports no resource-level permission; the stream reads are scoped to the captured streams.' });
    acknowledge(this.deadLetterQueue, {
      'AwsSolutions-SQS3': 'This queue is a dead-letter queue itself: the capture function sends the records it cannot map to it, and Lambda the batches that failed for good.',
    });
  }
}

/**
 * The captured tables and their stream ARNs. A table without one is a synth error (`cdk synth`
 * and `cdk deploy` stop on it, naming the type) and gets no mapping; the function stays, so the
 * local runtime, which finds the streams itself, runs without ARNs. Bad props throw, all named.
 */
function capturedStreams(scope: Construct, props: DynamodbStreamCaptureProps): Array<{ tableName: string; streamArn: string }> {
  const checks = new PropChecks(scope.node.path);
  const byTable = new Map<string, string>();
  const types = props.config.config.types;
  for (const target of streamCaptureTargets(props.config.config)) {
    const source = types.find((type) => type.name === target.type)?.source;
    const streamArn = props.streamArns?.[target.type] ?? (source?.type === 'dynamodb' ? source.capture?.streamArn : undefined);
    if (streamArn !== undefined) byTable.set(target.tableName, streamArn);
    else {
      Annotations.of(scope).addError(
        `type "${target.type}": no stream ARN for table ${target.tableName}: set source.capture.streamArn (aws dynamodb describe-table --table-name ${target.tableName} --query Table.LatestStreamArn) or the streamCapture.streamArns prop`,
      );
    }
  }
  for (const name of Object.keys(props.streamArns ?? {})) checks.require(types.some((type) => type.name === name), `streamArns: "${name}" is no type of the config`);
  checks
    .inRange('batchSize', props.batchSize, 1, 10_000)
    .inRange('retryAttempts', props.retryAttempts, 0, 10_000)
    .inRange('parallelizationFactor', props.parallelizationFactor, 1, 10)
    .durationInRange('maxBatchingWindow', props.maxBatchingWindow, 0, 300)
    .durationInRange('deadLetterRetention', props.deadLetterRetention, 60, 1_209_600)
    .throwIfAny();
  return [...byTable].map(([tableName, streamArn]) => ({ tableName, streamArn }));
}
