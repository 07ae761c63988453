import { Construct } from 'constructs';
import type { FreshindexConfigFile } from './config.ts';
import type { FreshindexDataResources } from './data.ts';
import type { CacheNetwork } from './network.ts';
import { QueueFunction, type QueueFunctionOptions } from './queue-function.ts';
import { acknowledge, KMS_SEND_ACTIONS } from './nag.ts';
import { grantSourceRead } from './source-access.ts';
import { grantStore, storeEnvironment, storeNetwork } from './store.ts';

/** Props of {@link IncrementalApply}. */
export interface IncrementalApplyProps extends QueueFunctionOptions {
  /** The user's config file, loaded and validated. */
  readonly config: FreshindexConfigFile;
  /** The store and the apply queue. */
  readonly data: Pick<FreshindexDataResources, 'store' | 'applyQueue'>;
  /**
   * Where the function runs: the store's network, or the one reaching a Postgres source (`sourceNetwork` of `FreshindexCompute`).
   *
   * @default - the store's (the cache's VPC with store: redis, none with DynamoDB)
   */
  readonly network?: CacheNetwork;
}

/**
 * The incremental path: the apply function reading the apply queue, allowed to read and write
 * the store (both tables, or the cache from inside its VPC), to send poison messages (with their reason) to its dead-letter queue, and to
 * read the config's sources.
 */
export class IncrementalApply extends Construct {
  /** The apply function and its event source. */
  public readonly consumer: QueueFunction;

  constructor(scope: Construct, id: string, props: IncrementalApplyProps) {
    super(scope, id);
    const { store, applyQueue } = props.data;
    this.consumer = new QueueFunction(this, 'Consumer', {
      ...props,
      handler: 'apply',
      configFile: props.config.path,
      queue: applyQueue,
      network: props.network ?? storeNetwork(store),
      environment: {
        ...props.environment,
        ...storeEnvironment(store),
        FRESHINDEX_APPLY_DLQ_URL: applyQueue.deadLetterQueue.queueUrl,
        FRESHINDEX_MAX_RECEIVE_COUNT: String(applyQueue.maxReceiveCount),
      },
    });
    const fn = this.consumer.function;
    grantStore(fn, store);
    applyQueue.deadLetterQueue.grantSendMessages(fn);
    grantSourceRead(fn, this, props.config.config.types);
    // On the role only: its policies hold the dead-letter queue's key grant and nothing else of the kind.
    acknowledge(this.consumer.handler.role, KMS_SEND_ACTIONS);
  }
}
