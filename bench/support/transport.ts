/**
 * The calls the topology makes around the handler, for the same messages: the CMS publishing each
 * change to the topic (SNS Publish, through the publisher helper), SNS delivering it to the queue,
 * and the event source receiving and deleting it. The handler's own calls are measured apart (see
 * scenario.ts); here the function is a no-op so the count is the transport alone.
 */
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { SqsEventSource } from '../../lambdas/local/event-source.ts';
import { BufferingPublisher, ChangePublisher } from '../../lambdas/publisher/index.ts';
import { BILLING_CHUNK_BYTES } from '../prices.ts';
import { mergeTallies, type Tallies } from './api-calls.ts';
import type { BenchBackend } from './harness.ts';
import type { Edit } from './workload.ts';

/**
 * How the CMS publishes: one SNS Publish per change (`ChangePublisher`, the default), or through
 * the opt-in `BufferingPublisher` (PublishBatch, up to 10 changes per request).
 */
export type Publishing = 'one per change' | 'batched';

/** What the transport of one batch size costs. */
export interface TransportResult {
  batchSize: number;
  publishing: Publishing;
  /** The CMS's SNS calls. */
  published: Tallies;
  /** SNS→SQS delivery (computed) and the event source's receive/delete calls. */
  queued: Tallies;
  /** Both. */
  calls: Tallies;
  /** Invocations the local event source made (for comparison with the handler runs' full batches). */
  invocations: number;
}

let queueSeq = 0;

/** Concurrent publishes: a CMS's editors one at a time through `ChangePublisher`; a webhook's concurrent requests through the buffering publisher. */
const PUBLISHES_IN_FLIGHT: Record<Publishing, number> = { 'one per change': 8, batched: 64 };

/**
 * Publishes `edits` one by one (each its own Publish, or gathered by the buffering publisher), then lets the local event source (lambdas/local/event-source.ts,
 * Lambda's SQS event source mapping stand-in) drain the queue with `batchSize` records per
 * invocation, and counts every SNS and SQS call made for them.
 */
export async function measureTransport(backend: BenchBackend, edits: readonly Edit[], batchSize: number, publishing: Publishing = 'one per change'): Promise<TransportResult> {
  const { sns, sqs, calls } = backend;
  queueSeq += 1;
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `bench-changes-${queueSeq}` }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `bench-apply-${queueSeq}`, Attributes: { VisibilityTimeout: '60' } }));
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
  calls.take();

  const options = { sns, topicArn: TopicArn as string };
  const publisher = publishing === 'batched' ? new BufferingPublisher(options) : new ChangePublisher(options);
  // Several publishes in flight (their order does not change the count).
  const limit = pLimit(PUBLISHES_IN_FLIGHT[publishing]);
  await Promise.all(edits.map((edit) => limit(() => publisher.publish(edit.event))));
  if (publisher instanceof BufferingPublisher) await publisher.close();
  const deliveryChunks = edits.reduce((sum, edit) => sum + Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(edit.event)) / BILLING_CHUNK_BYTES)), 0);
  const published = calls.take();
  // SNS's delivery to SQS is no SDK call we can intercept: one SendMessage-equivalent per message.
  calls.add('SQS', 'SendMessage (SNS delivery)', { calls: edits.length, billedRequests: deliveryChunks });
  const delivered = calls.take();

  const source = new SqsEventSource({
    sqs,
    queueUrl: QueueUrl as string,
    handler: async () => ({ batchItemFailures: [] }),
    batchSize,
    maxBatchingWindowMs: batchSize > 10 ? 1_000 : 0,
    waitTimeSeconds: 20,
    concurrency: 1,
    onError: () => {},
  });
  await source.start();
  calls.take(); // the start-up GetQueueAttributes is per poller, not per change
  const deadline = Date.now() + 60_000;
  while (source.stats().succeeded < edits.length) {
    if (Date.now() > deadline) throw new Error(`transport (batch ${batchSize}): only ${source.stats().succeeded} of ${edits.length} messages consumed in 60 s`);
    await sleep(10);
  }
  const consumed = calls.take();
  const { invocations } = source.stats();
  await source.stop();
  calls.take(); // the long poll cancelled by stop()
  const queued = mergeTallies(delivered, consumed);
  return { batchSize, publishing, published, queued, calls: mergeTallies(published, queued), invocations };
}
