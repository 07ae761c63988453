import { Construct } from 'constructs';
import { applyRoutes } from '../lambdas/core/dispatch-routes.ts';
import type { ChangeQueueRef } from './change-queue.ts';
import type { FreshindexConfigFile } from './config.ts';
import type { FreshindexDataResources } from './data.ts';
import type { CacheNetwork } from './network.ts';
import { batchingProps, QueueFunction, type QueueFunctionOptions } from './queue-function.ts';
import { acknowledge, KMS_SEND_ACTIONS } from './nag.ts';
import { grantSourceRead } from './source-access.ts';
import { grantStore, storeEnvironment, storeNetwork } from './store.ts';

/** Props of {@link IncrementalApply}. */
export interface IncrementalApplyProps extends QueueFunctionOptions {
  /** The user's config file, loaded and validated. */
  readonly config: FreshindexConfigFile;
  /** The store, the shared apply queue and the types' own apply queues. */
  readonly data: Pick<FreshindexDataResources, 'store' | 'applyQueue' | 'typeApplyQueues' | 'verifyQueue'>;
  /**
   * Where the function runs: the store's network, or the one reaching a Postgres source (`sourceNetwork` of `FreshindexCompute`).
   *
   * @default - the store's (the cache's VPC with store: redis, none with DynamoDB)
   */
  readonly network?: CacheNetwork;
}

/**
 * The incremental path: an apply function per apply queue (the shared one, and one per type with
 * `delivery.queue: 'own'`, with that type's batch size and batching window), each allowed to read
 * and write the store (both tables, or the cache from inside its VPC), to send poison messages
 * (with their reason) to its queue's dead-letter queue, and to read the config's sources. When
 * own queues exist, each function applies only its queue's types (`FRESHINDEX_APPLY_TYPES`).
 */
export class IncrementalApply extends Construct {
  /** The shared queue's apply function and its event source. */
  public readonly consumer: QueueFunction;
  /** The apply functions of the types' own queues, by type. */
  public readonly typeConsumers: Readonly<Record<string, QueueFunction>>;

  constructor(scope: Construct, id: string, props: IncrementalApplyProps) {
    super(scope, id);
    const routes = applyRoutes(props.config.config);
    const ownQueues = props.data.typeApplyQueues ?? {};
    const filtered = routes.own.length > 0;
    // The CDK props' batching, or, when they set none, the one derived from the shared types' tightest freshness target.
    this.consumer = this.applyFunction('Consumer', props, props.data.applyQueue, filtered ? routes.shared.serves : undefined, batchingProps(routes.shared.batching, props));
    this.typeConsumers = Object.fromEntries(
      routes.own.map((route) => {
        const queue = ownQueues[route.type];
        if (!queue) throw new Error(`${this.node.path}: the data resources have no own apply queue for type "${route.type}" (delivery.queue: 'own')`);
        return [route.type, this.applyFunction(`Consumer-${route.type}`, props, queue, [route.type], batchingProps(route.batching))];
      }),
    );
  }

  private applyFunction(id: string, props: IncrementalApplyProps, queue: ChangeQueueRef, serves: readonly string[] | undefined, batching: Partial<QueueFunctionOptions>): QueueFunction {
    const { store } = props.data;
    const consumer = new QueueFunction(this, id, {
      ...props,
      ...batching,
      handler: 'apply',
      configFile: props.config.path,
      queue,
      network: props.network ?? storeNetwork(store),
      environment: {
        ...props.environment,
        ...storeEnvironment(store),
        FRESHINDEX_APPLY_DLQ_URL: queue.deadLetterQueue.queueUrl,
        FRESHINDEX_MAX_RECEIVE_COUNT: String(queue.maxReceiveCount),
        ...(serves ? { FRESHINDEX_APPLY_TYPES: serves.join(',') } : {}),
        FRESHINDEX_VERIFY_QUEUE_URL: props.data.verifyQueue.queue.queueUrl,
      },
    });
    const fn = consumer.function;
    grantStore(fn, store);
    queue.deadLetterQueue.grantSendMessages(fn);
    // Every change's check goes to the verify queue, scheduled by the apply function (docs/consistency.md).
    props.data.verifyQueue.queue.grantSendMessages(fn);
    grantSourceRead(fn, consumer, props.config.config.types);
    // On the role only: its policies hold the queue key's grants (to send to the dead-letter and verify queues) and nothing else of the kind.
    acknowledge(consumer.handler.role, KMS_SEND_ACTIONS);
    return consumer;
  }
}
