/**
 * The calls the topology makes around the handler, for the same messages: the CMS publishing each
 * change to the topic (SNS PublishBatch, through the publisher helper), SNS delivering it to the queue,
 * and the event source receiving and deleting it. The handler's own calls are measured apart (see
 * scenario.ts); here the function is a no-op so the count is the transport alone.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { SqsEventSource, type SqsFunction } from '../../lambdas/local/event-source.ts';
import { BufferingPublisher, ChangePublisher } from '../../lambdas/publisher/index.ts';
import { BILLING_CHUNK_BYTES } from '../prices.ts';
import { mergeTallies, type Tallies } from './api-calls.ts';
import type { BenchBackend } from './harness.ts';
import type { Edit } from './workload.ts';

/** The event source the cost benches read a queue with: one poller, long polls, Lambda's 1 s window for batches over 10. */
export function benchEventSource(sqs: SQSClient, queueUrl: string, handler: SqsFunction, batchSize: number): SqsEventSource {
  return new SqsEventSource({ sqs, queueUrl, handler, batchSize, maxBatchingWindowMs: batchSize > 10 ? 1_000 : 0, waitTimeSeconds: 20, concurrency: 1, onError: () => {} });
}

/**
 * How the CMS publishes: through which publisher, with how many publishes in flight at once. Both
 * publishers send PublishBatch calls of up to 10 changes: `ChangePublisher` gathers only the
 * changes published while one of its batches is in flight (group commit, no wait), the
 * `BufferingPublisher` also waits up to 20 ms for others.
 */
export interface Publishing {
  label: string;
  publisher: 'ChangePublisher' | 'BufferingPublisher';
  /** Callers at once, each awaiting its publish before the next. */
  inFlight: number;
  /**
   * Instead: changes arriving at a steady rate, each published as it comes, with every SNS call
   * delayed by `roundTripMs` (AWS's round trip, which the in-process emulator does not have).
   */
  arrivals?: { perSecond: number; roundTripMs: number };
}

/**
 * The ways of publishing the apply bench prices. The defaults are `ChangePublisher` (the default
 * publisher) with 8 publishes in flight: the bench's model of a CMS, several editors' saves at
 * once. Awaited in turn (1 in flight) is the worst case: one request per change.
 */
export const PUBLISHINGS = {
  inTurn: { label: 'ChangePublisher, awaited in turn', publisher: 'ChangePublisher', inFlight: 1 },
  defaults: { label: 'ChangePublisher, 8 in flight (defaults)', publisher: 'ChangePublisher', inFlight: 8 },
  busy: { label: 'ChangePublisher, 64 in flight', publisher: 'ChangePublisher', inFlight: 64 },
  buffering: { label: 'BufferingPublisher, 8 in flight', publisher: 'BufferingPublisher', inFlight: 8 },
  bufferingBusy: { label: 'BufferingPublisher, 64 in flight', publisher: 'BufferingPublisher', inFlight: 64 },
  steady200: { label: 'ChangePublisher, 200 changes/s, 20 ms calls', publisher: 'ChangePublisher', inFlight: 0, arrivals: { perSecond: 200, roundTripMs: 20 } },
  steady1000: { label: 'ChangePublisher, 1,000 changes/s, 20 ms calls', publisher: 'ChangePublisher', inFlight: 0, arrivals: { perSecond: 1000, roundTripMs: 20 } },
  bufferingSteady200: { label: 'BufferingPublisher, 200 changes/s, 20 ms calls', publisher: 'BufferingPublisher', inFlight: 0, arrivals: { perSecond: 200, roundTripMs: 20 } },
} as const satisfies Record<string, Publishing>;

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

/**
 * Publishes `edits` one by one as `publishing` says, then lets the local event source
 * (lambdas/local/event-source.ts, Lambda's SQS event source mapping stand-in) drain the queue with
 * `batchSize` records per invocation, and counts every SNS and SQS call made for them.
 */
export async function measureTransport(backend: BenchBackend, edits: readonly Edit[], batchSize: number, publishing: Publishing = PUBLISHINGS.defaults): Promise<TransportResult> {
  const { sns, sqs, calls } = backend;
  queueSeq += 1;
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `bench-changes-${queueSeq}` }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `bench-apply-${queueSeq}`, Attributes: { VisibilityTimeout: '60' } }));
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
  calls.take();

  await publishEdits(backend, TopicArn as string, edits, publishing);
  const deliveryChunks = edits.reduce((sum, edit) => sum + Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(edit.event)) / BILLING_CHUNK_BYTES)), 0);
  const published = calls.take();
  // SNS's delivery to SQS is no SDK call we can intercept: one SendMessage-equivalent per message.
  calls.add('SQS', 'SendMessage (SNS delivery)', { calls: edits.length, billedRequests: deliveryChunks });
  const delivered = calls.take();

  const source = benchEventSource(sqs, QueueUrl as string, async () => ({ batchItemFailures: [] }), batchSize);
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

/** The CMS's SNS calls alone for `edits` published as `publishing` says (to a topic of its own, with no subscriber). */
export async function measurePublishing(backend: BenchBackend, edits: readonly Edit[], publishing: Publishing): Promise<Tallies> {
  queueSeq += 1;
  const { TopicArn } = await backend.sns.send(new CreateTopicCommand({ Name: `bench-publishing-${queueSeq}` }));
  backend.calls.take();
  await publishEdits(backend, TopicArn as string, edits, publishing);
  return backend.calls.take();
}

/** Publishes every edit, `publishing.inFlight` callers at a time, each awaiting its publish (their order does not change the count), or as they arrive. */
async function publishEdits(backend: BenchBackend, topicArn: string, edits: readonly Edit[], publishing: Publishing): Promise<void> {
  const options = { sns: backend.sns, topicArn };
  const publisher = publishing.publisher === 'BufferingPublisher' ? new BufferingPublisher(options) : new ChangePublisher(options);
  if (publishing.arrivals) await publishAsTheyArrive(backend, edits, publishing.arrivals, (edit) => publisher.publish(edit.event));
  else {
    const limit = pLimit(publishing.inFlight);
    await Promise.all(edits.map((edit) => limit(() => publisher.publish(edit.event))));
  }
  await publisher.close();
}

/** Publishes one edit every 1/perSecond s, not waiting for the previous ones, each SNS call taking `roundTripMs` more. */
async function publishAsTheyArrive(backend: BenchBackend, edits: readonly Edit[], arrivals: NonNullable<Publishing['arrivals']>, publish: (edit: Edit) => Promise<void>): Promise<void> {
  const name = 'benchRoundTrip';
  backend.sns.middlewareStack.add((next) => async (args) => (await sleep(arrivals.roundTripMs), next(args)), { step: 'initialize', name });
  try {
    const began = performance.now();
    const published: Promise<void>[] = [];
    for (const [index, edit] of edits.entries()) {
      const wait = began + (index * 1000) / arrivals.perSecond - performance.now();
      if (wait > 0) await sleep(wait);
      published.push(publish(edit));
    }
    await Promise.all(published);
  } finally {
    backend.sns.middlewareStack.remove(name);
  }
}
