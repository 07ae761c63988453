import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FreshindexConfig } from '../lambdas/core/config/index.ts';
import { PropChecks } from './checks.ts';
import type { FreshindexConfigFile } from './config.ts';
import { applyRoutes } from '../lambdas/core/dispatch-routes.ts';
import { ChangeQueue, typeFilter, type ChangeQueueOptions, type ChangeQueueRef } from './change-queue.ts';
import { ValkeyCache, type ValkeyCacheOptions } from './cache.ts';
import type { IndexStoreResources } from './store.ts';
import { allowAlarmNotifications } from './monitoring.ts';
import { IndexTables } from './tables.ts';
import { OperatorTopics, secureTopic } from './topics.ts';

/** The SQS maximum delivery delay, in seconds. */
export const MAX_DELIVERY_DELAY_SECONDS = 900;

/**
 * Everything stateful freshindex keeps: what the compute side needs, as typed references.
 * `FreshindexData` (and `FreshindexDataStack`) provide it; `FreshindexCompute` consumes it.
 */
export interface FreshindexDataResources {
  /** The index and control state: the DynamoDB tables, or the Valkey cache (per the config's `store`). */
  readonly store: IndexStoreResources;
  /** The key encrypting the topics (publishers need `kms:GenerateDataKey*` and `kms:Decrypt` on it). */
  readonly topicKey: kms.IKey;
  /** The key encrypting the queues. */
  readonly queueKey: kms.IKey;
  /** Where the CMS publishes change events. */
  readonly changeTopic: sns.ITopic;
  /** Change events for the apply function (of the types on the shared queue). */
  readonly applyQueue: ChangeQueueRef;
  /** The own apply queues of the types with `delivery.queue: 'own'`, by type. */
  readonly typeApplyQueues?: Readonly<Record<string, ChangeQueueRef>>;
  /** The checks the apply functions schedule for the verify function, each delayed until it is due (no subscription to the change topic). */
  readonly verifyQueue: ChangeQueueRef;
  /** Alerts for operators. */
  readonly alertsTopic: sns.ITopic;
  /** Build and audit reports. */
  readonly notificationsTopic: sns.ITopic;
}

/** Props of {@link FreshindexData}. */
export interface FreshindexDataProps {
  /** The user's config file, loaded and validated (`loadFreshindexConfig`). */
  readonly config: FreshindexConfigFile;
  /**
   * The key encrypting the change, alerts and notifications topics. Not the queue key: the
   * queue key's policy names the change topic, which a shared key would make a cycle.
   *
   * @default - a new customer-managed key with yearly rotation
   */
  readonly topicKey?: kms.IKey;
  /**
   * The key encrypting the apply and verify queues and their dead-letter queues.
   *
   * @default - a new customer-managed key with yearly rotation
   */
  readonly queueKey?: kms.IKey;
  /**
   * The apply queue: its dead-letter redrive and the apply function's timeout.
   *
   * @default - 5 receives, 30 s function timeout (180 s visibility timeout)
   */
  readonly applyQueue?: ChangeQueueOptions;
  /**
   * The verify queue: its dead-letter redrive and the verify function's timeout.
   *
   * @default - 5 receives, 30 s function timeout (180 s visibility timeout)
   */
  readonly verifyQueue?: ChangeQueueOptions;
  /**
   * The verify queue's own delivery delay. Every check message carries its own delay (its due
   * time), which SQS applies instead; this holds what reaches the queue without one (change events
   * a deployment before the apply functions scheduled the checks left on it).
   *
   * @default - the smallest `settleDelaySeconds` of the config's types (at most 900 s)
   */
  readonly verifyDeliveryDelay?: Duration;
  /**
   * Principals allowed to publish change events (for example the CMS's role in another account).
   * Same-account principals can also be given `sns:Publish` and `kms:GenerateDataKey*` by their own policies.
   *
   * @default - none
   */
  readonly changePublishers?: readonly iam.IGrantable[];
  /**
   * Email addresses subscribed to alerts.
   *
   * @default - none
   */
  readonly alertEmails?: readonly string[];
  /**
   * HTTPS endpoints subscribed to alerts: incident tools that confirm an SNS subscription
   * (PagerDuty, Opsgenie...). Chat webhooks go to `FreshindexComputeProps.alerts` (docs/alerts.md).
   *
   * @default - none
   */
  readonly alertWebhookUrls?: readonly string[];
  /**
   * Email addresses subscribed to build and audit reports.
   *
   * @default - none
   */
  readonly notificationEmails?: readonly string[];
  /**
   * The Valkey cache, when the config selects `store: { type: 'redis' }` (ignored otherwise).
   *
   * @default - a new VPC and a replication group of two cache.t4g.small nodes (see {@link ValkeyCacheOptions})
   */
  readonly cache?: ValkeyCacheOptions;
  /**
   * What happens to the tables when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * Whether CloudFormation refuses to delete the tables.
   *
   * @default true
   */
  readonly tableDeletionProtection?: boolean;
  /**
   * A customer-managed key for the tables (readers then need `kms:Decrypt`).
   *
   * @default - DynamoDB's AWS-managed key
   */
  readonly tableEncryptionKey?: kms.IKey;
  /**
   * Warm write throughput (units per second) of the index table, so the first large load is not
   * throttled while the on-demand table scales; billed once per raise (docs/rebuild.md).
   *
   * @default - DynamoDB's own (4,000 writes/s for a new on-demand table, then its peak)
   */
  readonly indexWarmWritesPerSecond?: number;
}

/**
 * The stateful half of freshindex: the index and control tables (or, with `store: redis`, the
 * Valkey cache and its VPC), the change topic, the apply
 * queues (each with its dead-letter queue) subscribed to it, the verify queue the apply functions
 * schedule checks on, and the alerts and
 * notifications topics. Redeploying compute never touches it.
 *
 * @example
 * const data = new FreshindexData(this, 'Data', { config, alertEmails: ['oncall@example.com'] });
 * new FreshindexCompute(this, 'Compute', { config, data });
 */
export class FreshindexData extends Construct implements FreshindexDataResources {
  public readonly topicKey: kms.IKey;
  public readonly queueKey: kms.IKey;
  public readonly store: IndexStoreResources;
  /** The tables (`store: dynamodb` only). */
  public readonly tables?: IndexTables;
  /** The cache (`store: redis` only). */
  public readonly cache?: ValkeyCache;
  public readonly changeTopic: sns.Topic;
  public readonly applyQueue: ChangeQueue;
  public readonly typeApplyQueues: Readonly<Record<string, ChangeQueue>>;
  public readonly verifyQueue: ChangeQueue;
  public readonly alertsTopic: sns.Topic;
  public readonly notificationsTopic: sns.Topic;
  /** The verify queue's delivery delay. */
  public readonly verifyDeliveryDelay: Duration;

  constructor(scope: Construct, id: string, props: FreshindexDataProps) {
    super(scope, id);
    this.verifyDeliveryDelay = props.verifyDeliveryDelay ?? shortestSettleDelay(props.config.config);
    new PropChecks(this.node.path)
      .durationInRange('verifyDeliveryDelay', this.verifyDeliveryDelay, 0, MAX_DELIVERY_DELAY_SECONDS)
      .require(props.topicKey === undefined || props.topicKey !== props.queueKey, 'topicKey and queueKey must be different keys')
      .throwIfAny();

    this.topicKey = props.topicKey ?? new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: 'freshindex: change, alerts and reports topics' });
    this.queueKey = props.queueKey ?? new kms.Key(this, 'QueueKey', { enableKeyRotation: true, description: 'freshindex: apply and verify queues' });
    if (props.config.config.store.type === 'redis') {
      this.cache = new ValkeyCache(this, 'Cache', props.cache);
      this.store = { type: 'redis', cache: this.cache };
    } else {
      this.tables = new IndexTables(this, 'Tables', {
        removalPolicy: props.tableRemovalPolicy,
        deletionProtection: props.tableDeletionProtection,
        encryptionKey: props.tableEncryptionKey,
        indexWarmWritesPerSecond: props.indexWarmWritesPerSecond,
      });
      this.store = { type: 'dynamodb', indexTable: this.tables.indexTable, controlTable: this.tables.controlTable };
    }

    this.changeTopic = secureTopic(this, 'ChangeTopic', this.topicKey, 'freshindex change events');
    for (const publisher of props.changePublishers ?? []) this.changeTopic.grantPublish(publisher);
    const routes = applyRoutes(props.config.config);
    this.applyQueue = new ChangeQueue(this, 'ApplyQueue', {
      ...props.applyQueue,
      topic: this.changeTopic,
      encryptionKey: this.queueKey,
      filterPolicy: typeFilter({ except: routes.shared.excludes }),
    });
    this.typeApplyQueues = Object.fromEntries(
      routes.own.map((route) => [
        route.type,
        new ChangeQueue(this, `ApplyQueue-${route.type}`, { ...props.applyQueue, topic: this.changeTopic, encryptionKey: this.queueKey, filterPolicy: typeFilter({ only: route.consumes }) }),
      ]),
    );
    // No subscription: the apply functions schedule each change's check here, at the start of every
    // receive (docs/consistency.md, "How a change reaches the checker"); SNS does not enqueue every change twice.
    this.verifyQueue = new ChangeQueue(this, 'VerifyQueue', {
      ...props.verifyQueue,
      encryptionKey: this.queueKey,
      deliveryDelay: this.verifyDeliveryDelay,
    });

    const topics = new OperatorTopics(this, 'OperatorTopics', {
      encryptionKey: this.topicKey,
      alertEmails: props.alertEmails,
      alertWebhookUrls: props.alertWebhookUrls,
      notificationEmails: props.notificationEmails,
    });
    this.alertsTopic = topics.alertsTopic;
    allowAlarmNotifications(this.alertsTopic, this.topicKey);
    this.notificationsTopic = topics.notificationsTopic;
  }
}

/** The smallest settle delay of the config's types, capped at the SQS maximum. */
export function shortestSettleDelay(config: FreshindexConfig): Duration {
  const seconds = Math.min(MAX_DELIVERY_DELAY_SECONDS, ...config.types.map((type) => type.settleDelaySeconds));
  return Duration.seconds(seconds);
}
