import { Construct } from 'constructs';
import type { FreshindexConfigFile } from './config.ts';
import type { FreshindexDataResources } from './data.ts';
import type { CacheNetwork } from './network.ts';
import { defaultBatching, WINDOW_SHARE_OF_SETTLE_DELAY } from '../lambdas/core/dispatch-routes.ts';
import { batchingProps, QueueFunction, type QueueFunctionOptions } from './queue-function.ts';
import { acknowledge, KMS_SEND_ACTIONS } from './nag.ts';
import { grantSourceRead } from './source-access.ts';
import { grantStore, storeEnvironment, storeNetwork } from './store.ts';

/** Props of {@link ConsistencyChecker}. */
export interface ConsistencyCheckerProps extends QueueFunctionOptions {
  /** The user's config file, loaded and validated. */
  readonly config: FreshindexConfigFile;
  /** The store, the verify queue and the alerts topic. */
  readonly data: Pick<FreshindexDataResources, 'store' | 'verifyQueue' | 'alertsTopic'>;
  /**
   * Where the function runs: the store's network, or the one reaching a Postgres source (`sourceNetwork` of `FreshindexCompute`).
   *
   * @default - the store's (the cache's VPC with store: redis, none with DynamoDB)
   */
  readonly network?: CacheNetwork;
}

/**
 * The delayed checker: the verify function reading the verify queue, allowed to read and write
 * the store (repairs, difference counters, quarantine), to put changes back on its own queue
 * (early messages, re-checks), to send poison messages to its dead-letter queue, to publish
 * alerts, and to read the config's sources.
 */
export class ConsistencyChecker extends Construct {
  /** The verify function and its event source. */
  public readonly consumer: QueueFunction;

  constructor(scope: Construct, id: string, props: ConsistencyCheckerProps) {
    super(scope, id);
    const { store, verifyQueue, alertsTopic } = props.data;
    // A check waits its settle delay anyway: gather for a tenth of the shortest (a batch checks each of its resources once).
    const settleDelays = props.config.config.types.map((type) => type.settleDelaySeconds);
    const batching = batchingProps(defaultBatching(settleDelays, {}, WINDOW_SHARE_OF_SETTLE_DELAY), props);
    this.consumer = new QueueFunction(this, 'Consumer', {
      ...props,
      ...batching,
      handler: 'verify',
      configFile: props.config.path,
      queue: verifyQueue,
      network: props.network ?? storeNetwork(store),
      environment: {
        ...props.environment,
        ...storeEnvironment(store),
        FRESHINDEX_VERIFY_QUEUE_URL: verifyQueue.queue.queueUrl,
        FRESHINDEX_VERIFY_DLQ_URL: verifyQueue.deadLetterQueue.queueUrl,
        FRESHINDEX_MAX_RECEIVE_COUNT: String(verifyQueue.maxReceiveCount),
        FRESHINDEX_ALERTS_TOPIC_ARN: alertsTopic.topicArn,
      },
    });
    const fn = this.consumer.function;
    grantStore(fn, store);
    verifyQueue.queue.grantSendMessages(fn);
    verifyQueue.deadLetterQueue.grantSendMessages(fn);
    alertsTopic.grantPublish(fn);
    grantSourceRead(fn, this, props.config.config.types);
    // On the role only: its policies hold the queues' and the alerts topic's key grants.
    acknowledge(this.consumer.handler.role, KMS_SEND_ACTIONS);
  }
}
