import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PropChecks } from './checks.ts';

/** SNS's message size limit, the largest change a consumer queue takes (a producer sending to it directly included). */
export const CONSUMER_MAX_BYTES = 262_144;
/** SQS's largest message: room for any consumer message and the reason it was dead-lettered. */
export const DEAD_LETTER_MAX_BYTES = 1_048_576;

/** AWS's advice: a queue's visibility timeout is six times its consumer function's timeout. */
export const VISIBILITY_PER_TIMEOUT = 6;

/**
 * A queue a freshindex function consumes, with what the function's side needs to know about
 * it. The data stack hands it to the compute stack.
 */
export interface ChangeQueueRef {
  /** The queue the function's event source reads. */
  readonly queue: sqs.IQueue;
  /** Where messages go after `maxReceiveCount` receives, and where the handler sends poison messages. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Receives before SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** The consuming function's timeout; the queue's visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
}

/** Settings of a consumer queue. */
export interface ChangeQueueOptions {
  /**
   * Receives before SQS moves a message to the dead-letter queue.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * The timeout of the function consuming this queue. The queue's visibility timeout is six
   * times it, so a message is never redelivered while an invocation (with its retries) holds it.
   *
   * @default Duration.seconds(30)
   */
  readonly consumerTimeout?: Duration;
  /**
   * How long an unconsumed message is kept.
   *
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
}

/** Props of {@link ChangeQueue}. */
export interface ChangeQueueProps extends ChangeQueueOptions {
  /**
   * The topic the queue subscribes to.
   *
   * @default - none: the queue is fed by SendMessage alone (the verify queue, fed by the apply functions)
   */
  readonly topic?: sns.ITopic;
  /** The key both queues are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * How long SQS hides each new message before delivering it.
   *
   * @default Duration.seconds(0)
   */
  readonly deliveryDelay?: Duration;
  /**
   * The subscription's filter policy on the message attributes (see {@link typeFilter}).
   *
   * @default - every message of the topic
   */
  readonly filterPolicy?: Record<string, sns.SubscriptionFilter>;
}

/**
 * A filter on the `type` message attribute: `only` the given event types, or every message
 * `except` them (messages without the attribute included, so an unknown type still reaches a
 * consumer that dead-letters it with its reason). Undefined when there is nothing to filter.
 */
export function typeFilter(filter: { only: readonly string[] } | { except: readonly string[] }): Record<string, sns.SubscriptionFilter> | undefined {
  if ('only' in filter) return { type: sns.SubscriptionFilter.stringFilter({ allowlist: [...filter.only] }) };
  if (filter.except.length === 0) return undefined;
  const conditions = [...sns.SubscriptionFilter.stringFilter({ denylist: [...filter.except] }).conditions, ...sns.SubscriptionFilter.notExistsFilter().conditions];
  return { type: new sns.SubscriptionFilter(conditions) };
}

/**
 * A change queue (the stateful side): a queue, subscribed to the change topic when it is given one (`topic`), with raw message delivery (the body is the change event itself,
 * the `type` message attribute carried over), plus its dead-letter queue (kept 14 days) and
 * redrive policy. The queue takes messages up to 256 KiB (what SNS delivers), its dead-letter
 * queue up to 1 MiB, so a dead letter always keeps its whole body next to its reason. Both
 * queues are KMS-encrypted and refuse non-TLS requests.
 */
/**
 * The dead-letter queue of a function outside the change queues (alert delivery, stream capture):
 * KMS-encrypted with `encryptionKey`, TLS only, kept `retention` (default 14 days).
 */
export function functionDeadLetterQueue(scope: Construct, props: { encryptionKey: kms.IKey; retention?: Duration | undefined }): sqs.Queue {
  return new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: props.encryptionKey,
    enforceSSL: true,
    retentionPeriod: props.retention ?? Duration.days(14),
  });
}

export class ChangeQueue extends Construct implements ChangeQueueRef {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly maxReceiveCount: number;
  public readonly consumerTimeout: Duration;
  /** Six times `consumerTimeout`. */
  public readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: ChangeQueueProps) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    this.consumerTimeout = props.consumerTimeout ?? Duration.seconds(30);
    this.visibilityTimeout = Duration.seconds(this.consumerTimeout.toSeconds() * VISIBILITY_PER_TIMEOUT);
    new PropChecks(this.node.path)
      .inRange('maxReceiveCount', this.maxReceiveCount, 1, 1000)
      .durationInRange('consumerTimeout', this.consumerTimeout, 1, 900)
      .durationInRange('retentionPeriod', props.retentionPeriod, 60, 1_209_600)
      .durationInRange('deliveryDelay', props.deliveryDelay, 0, 900)
      .throwIfAny();

    const encryption = { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey, enforceSSL: true };
    // The largest message SNS delivers (256 KiB) plus its reason always fits a 1 MiB dead-letter queue.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', { ...encryption, retentionPeriod: Duration.days(14), maxMessageSizeBytes: DEAD_LETTER_MAX_BYTES });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      maxMessageSizeBytes: CONSUMER_MAX_BYTES,
      visibilityTimeout: this.visibilityTimeout,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deliveryDelay: props.deliveryDelay,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
    props.topic?.addSubscription(new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true, ...(props.filterPolicy ? { filterPolicy: props.filterPolicy } : {}) }));
  }
}
