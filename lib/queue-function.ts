import { Duration } from 'aws-cdk-lib';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { PropChecks } from './checks.ts';
import { VISIBILITY_PER_TIMEOUT, type ChangeQueueRef } from './change-queue.ts';
import { FreshindexFunction, type FreshindexFunctionOptions } from './function.ts';
import type { CacheNetwork } from './network.ts';
import type { Batching } from '../lambdas/core/dispatch-routes.ts';

/** How a function reads its queue. */
export interface QueueFunctionOptions extends FreshindexFunctionOptions {
  /**
   * Messages per invocation (above 10 needs a `maxBatchingWindow`).
   *
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers messages before invoking with a partial batch.
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations the event source starts (SQS `ScalingConfig.MaximumConcurrency`),
   * so a backlog cannot take the account's Lambda concurrency (1,000 by default) or swamp the
   * source and the table. Between 2 and 1000.
   *
   * @default 50 for the apply function (about 25,000 changes/s when a batch of 10 is applied in 20 ms), 20 for the verify function
   */
  readonly maxConcurrency?: number;
}

/** The event sources' concurrency caps when none is given. */
export const DEFAULT_MAX_CONCURRENCY: Readonly<Record<'apply' | 'verify', number>> = { apply: 50, verify: 20 };

/** Props of {@link QueueFunction}. */
export interface QueueFunctionProps extends QueueFunctionOptions {
  /** The handler the function runs. */
  readonly handler: 'apply' | 'verify';
  /** Absolute path of the user's config module. */
  readonly configFile: string;
  /** The queue, its dead-letter queue and the function timeout the queue was sized for. */
  readonly queue: ChangeQueueRef;
  /**
   * The VPC placement, when the function must reach the cache.
   *
   * @default - outside any VPC
   */
  readonly network?: CacheNetwork;
}

/**
 * A queue function (the compute side): a house function fed by an SQS event source that reports partial batch failures, so one bad
 * message never sends its neighbours back to the queue. Its timeout is the one the queue's
 * visibility timeout was sized for (one sixth of it).
 */
export class QueueFunction extends Construct {
  /** The function and its role and log group. */
  public readonly handler: FreshindexFunction;
  /** The Lambda function. */
  public readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: QueueFunctionProps) {
    super(scope, id);
    const batchSize = props.batchSize ?? 10;
    const windowSeconds = props.maxBatchingWindow?.toSeconds() ?? 0;
    const timeoutSeconds = props.queue.consumerTimeout.toSeconds();
    new PropChecks(this.node.path)
      .inRange('batchSize', batchSize, 1, 10_000)
      .durationInRange('maxBatchingWindow', props.maxBatchingWindow, 0, 300)
      .require(batchSize <= 10 || windowSeconds >= 1, `batchSize ${batchSize} is above 10: set maxBatchingWindow to at least 1 second`)
      .require(
        windowSeconds + timeoutSeconds <= timeoutSeconds * VISIBILITY_PER_TIMEOUT,
        `a batching window of ${windowSeconds} s and a function timeout of ${timeoutSeconds} s pass the queue's visibility timeout (${timeoutSeconds * VISIBILITY_PER_TIMEOUT} s): records gathered early in the window would be received again; shorten the window to ${timeoutSeconds * (VISIBILITY_PER_TIMEOUT - 1)} s or less`,
      )
      .inRange('maxConcurrency', props.maxConcurrency, 2, 1000)
      .throwIfAny();

    this.handler = new FreshindexFunction(this, 'Handler', {
      ...props,
      timeout: props.queue.consumerTimeout,
    });
    this.function = this.handler.function;
    this.function.addEventSource(
      new eventSources.SqsEventSource(props.queue.queue, {
        batchSize,
        maxBatchingWindow: props.maxBatchingWindow,
        maxConcurrency: props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY[props.handler],
        reportBatchItemFailures: true,
      }),
    );
  }
}

/**
 * The event source props of a derived batching (lambdas/core/dispatch-routes.ts `defaultBatching`)
 * when `props` set neither `batchSize` nor `maxBatchingWindow`; none when they set either. A
 * window of 0 is `undefined`, Lambda's default, and still given, so it replaces a window spread
 * from other props.
 */
export function batchingProps(batching: Batching, props: Pick<QueueFunctionOptions, 'batchSize' | 'maxBatchingWindow'> = {}): Pick<QueueFunctionOptions, 'batchSize' | 'maxBatchingWindow'> {
  if (props.batchSize !== undefined || props.maxBatchingWindow !== undefined) return {};
  return { batchSize: batching.batchSize, maxBatchingWindow: batching.batchingWindowSeconds > 0 ? Duration.seconds(batching.batchingWindowSeconds) : undefined };
}
