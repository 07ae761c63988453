import { createHash } from 'node:crypto';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqsEventSource, type SqsEventSourceOptions } from '../../../lambdas/local/event-source.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { countMessages, createQueuePair, drainBodies, sendAll, waitUntil } from './sqs-helpers.ts';

describe('SqsEventSource', () => {
  let aws: AwsTestEnv;
  const started: SqsEventSource[] = [];

  beforeAll(async () => {
    aws = await startAws();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((source) => source.stop()));
  });
  afterAll(async () => {
    await aws.stop();
  });

  const visibleMessages = async (url: string) =>
    Number((await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.['ApproximateNumberOfMessages']);

  async function start(options: Omit<SqsEventSourceOptions, 'sqs'>): Promise<SqsEventSource> {
    const source = new SqsEventSource({ sqs: aws.sqs, waitTimeSeconds: 1, onError: () => {}, ...options });
    started.push(source);
    await source.start();
    return source;
  }

  it('hands the function Lambda-shaped SQS records', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs);
    const events: SQSEvent[] = [];
    await sendAll(aws.sqs, queue.url, ['{"hello":"world"}'], 'movie');
    // Act
    await start({ queueUrl: queue.url, handler: async (event) => void events.push(event) });
    await waitUntil(() => events.length === 1, 'the first invocation');
    // Assess
    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      body: '{"hello":"world"}',
      md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: { type: { dataType: 'String', stringValue: 'movie' } },
    });
    expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(record?.messageId).toMatch(/.+/);
    expect(record?.receiptHandle).toMatch(/.+/);
  });

  it('fills one batch beyond 10 records from several receives', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 30 });
    await sendAll(aws.sqs, queue.url, Array.from({ length: 25 }, (_, index) => `m${index}`));
    const sizes: number[] = [];
    // Act
    await start({ queueUrl: queue.url, batchSize: 25, maxBatchingWindowMs: 10_000, handler: async (event) => void sizes.push(event.Records.length) });
    await waitUntil(() => sizes.length === 1, 'the first invocation');
    // Assess
    expect(sizes[0]).toBe(25);
  });

  it('keeps filling a batch during the batching window', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 30 });
    const batches: string[][] = [];
    await sendAll(aws.sqs, queue.url, ['first']);
    await start({ queueUrl: queue.url, batchSize: 10, maxBatchingWindowMs: 2_000, handler: async (event) => void batches.push(event.Records.map((r) => r.body)) });
    // Act
    await sendAll(aws.sqs, queue.url, ['second']);
    await waitUntil(() => batches.length > 0, 'the first invocation');
    // Assess
    expect(batches[0]?.sort()).toEqual(['first', 'second']);
  });

  it('deletes the records that succeeded and redelivers the reported failures', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 1, maxReceiveCount: 5 });
    await sendAll(aws.sqs, queue.url, ['good', 'flaky']);
    const seen: string[] = [];
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const failures = event.Records.filter((record) => {
        seen.push(`${record.body}#${record.attributes.ApproximateReceiveCount}`);
        return record.body === 'flaky' && record.attributes.ApproximateReceiveCount === '1';
      });
      return { batchItemFailures: failures.map((record) => ({ itemIdentifier: record.messageId })) };
    };
    // Act
    const source = await start({ queueUrl: queue.url, functionTimeoutMs: 500, handler });
    await waitUntil(() => source.stats().succeeded === 2, 'both records succeeded');
    // Assess
    expect(seen.sort()).toEqual(['flaky#1', 'flaky#2', 'good#1']);
    expect(source.stats()).toMatchObject({ received: 3, succeeded: 2, failed: 1, deleteErrors: 0 });
    expect(await countMessages(aws.sqs, queue.url)).toBe(0);
  });

  it('redelivers the whole batch when the function throws', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 1, maxReceiveCount: 5 });
    await sendAll(aws.sqs, queue.url, ['a', 'b', 'c']);
    let calls = 0;
    const handler = async (): Promise<void> => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
    };
    // Act
    const source = await start({ queueUrl: queue.url, functionTimeoutMs: 500, handler });
    await waitUntil(() => source.stats().succeeded === 3, 'the batch succeeded on redelivery');
    // Assess
    expect(source.stats()).toMatchObject({ failed: 3, succeeded: 3 });
  });

  it('leaves a record that keeps failing to the queue redrive policy, which moves it to the DLQ', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    await sendAll(aws.sqs, queue.url, ['poison', 'fine']);
    const attempts: Record<string, number> = {};
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      for (const record of event.Records) attempts[record.body] = (attempts[record.body] ?? 0) + 1;
      return { batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({ itemIdentifier: r.messageId })) };
    };
    // Act
    await start({ queueUrl: queue.url, functionTimeoutMs: 500, handler });
    await waitUntil(async () => (await countMessages(aws.sqs, queue.dlqUrl)) === 1, 'the poison message reached the DLQ');
    // Assess
    expect(attempts).toEqual({ poison: 2, fine: 1 });
    expect(await drainBodies(aws.sqs, queue.dlqUrl)).toEqual(['poison']);
  });

  it('hands a message that reappears during the batching window to the function once', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 1, maxReceiveCount: 5 });
    await sendAll(aws.sqs, queue.url, ['reappearing']);
    const batches: SQSEvent[] = [];
    // Act
    const source = await start({ queueUrl: queue.url, maxBatchingWindowMs: 2_500, handler: async (event) => void batches.push(event) });
    await waitUntil(() => source.stats().succeeded === 1, 'the record succeeded');
    // Assess
    expect(batches.map((event) => event.Records.map((record) => record.body))).toEqual([['reappearing']]);
    expect(Number(batches[0]?.Records[0]?.attributes.ApproximateReceiveCount)).toBeGreaterThan(1);
    expect(await countMessages(aws.sqs, queue.url)).toBe(0);
  });

  it('receives the next batch while the function still runs the current one, as Lambda\'s pollers do', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 30 });
    await sendAll(aws.sqs, queue.url, ['first', 'second']);
    const visible = async () =>
      Number((await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.['ApproximateNumberOfMessages']);
    const seenDuringFirst: string[] = [];
    const bodies: string[] = [];
    // Act
    await start({
      queueUrl: queue.url,
      batchSize: 1,
      handler: async (event) => {
        bodies.push(...event.Records.map((record) => record.body));
        if (bodies.length > 1) return;
        // The first invocation holds until no message is left to receive: only a poller filling the next batch meanwhile lets it go.
        await waitUntil(async () => (await visible()) === 0, 'the second message received', 5_000)
          .then(() => seenDuringFirst.push('received'))
          .catch(() => seenDuringFirst.push('not received'));
      },
    });
    await waitUntil(() => bodies.length === 2, 'both invocations');
    // Assess
    expect(seenDuringFirst).toEqual(['received']);
    expect(bodies.sort()).toEqual(['first', 'second']);
  });

  it('runs at most `concurrency` invocations at once while its pollers fill the next batches', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 30 });
    await sendAll(aws.sqs, queue.url, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    let running = 0;
    let most = 0;
    // Act
    const source = await start({
      queueUrl: queue.url,
      batchSize: 1,
      concurrency: 2,
      handler: async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 100));
        running -= 1;
      },
    });
    await waitUntil(() => source.stats().succeeded === 8, 'every record succeeded');
    // Assess
    expect(most).toBe(2);
    expect(await countMessages(aws.sqs, queue.url)).toBe(0);
  });

  it('runs a batch on any free invocation, not only once its own poller\'s last one ended', async () => {
    // Prepare: two pollers, one message each, every invocation held until the test lets it go. Of
    // the two receives that fill the next batches, the second one (the later poller's) is held
    // too, so the next message can only land in the poller whose invocation started first.
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 30 });
    await sendAll(aws.sqs, queue.url, ['first', 'second']);
    const sqs = new SQSClient(aws.clientConfig('sqs'));
    const heldReceives: Array<() => void> = [];
    let receives = 0;
    sqs.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'ReceiveMessageCommand' && ++receives === 4) await new Promise<void>((resolve) => heldReceives.push(resolve));
      return next(args);
    }, { step: 'initialize', name: 'holdOneReceive' });
    const releases = new Map<string, () => void>();
    const invoked: string[] = [];
    const source = new SqsEventSource({ sqs, queueUrl: queue.url, waitTimeSeconds: 1, onError: () => {}, batchSize: 1, concurrency: 2, handler: async (event) => {
      const body = event.Records[0]?.body as string;
      invoked.push(body);
      await new Promise<void>((resolve) => releases.set(body, resolve));
    } });
    await source.start();
    await waitUntil(() => invoked.length === 2 && heldReceives.length === 1, 'both invocations running, one receive held');
    await sendAll(aws.sqs, queue.url, ['third']);
    await waitUntil(async () => (await visibleMessages(queue.url)) === 0, 'the third message received');

    // Act: the later invocation ends; the earlier one, whose poller holds the third message, goes on.
    releases.get(invoked[1] as string)?.();
    await waitUntil(() => invoked.includes('third'), 'the third invocation', 3_000).catch(() => undefined);
    const ranOnTheFreedInvocation = invoked.includes('third');
    for (const release of [...releases.values(), ...heldReceives]) release();
    await waitUntil(() => releases.has('third'), 'the third invocation');
    releases.get('third')?.();
    await source.stop();
    sqs.destroy();

    // Assess
    expect(ranOnTheFreedInvocation).toBe(true);
    expect(source.stats()).toMatchObject({ succeeded: 3, inFlight: 0 });
  });

  it('invokes the next batch while the last one\'s delete is still on its way', async () => {
    // Prepare: a client whose DeleteMessageBatch calls are held until released.
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 30 });
    await sendAll(aws.sqs, queue.url, ['first', 'second']);
    const sqs = new SQSClient(aws.clientConfig('sqs'));
    const held: Array<() => void> = [];
    sqs.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'DeleteMessageBatchCommand') await new Promise<void>((resolve) => held.push(resolve));
      return next(args);
    }, { step: 'initialize', name: 'holdDeletes' });
    const bodies: string[] = [];
    const source = new SqsEventSource({ sqs, queueUrl: queue.url, waitTimeSeconds: 1, onError: () => {}, batchSize: 1, handler: async (event) => {
      bodies.push(...event.Records.map((record) => record.body));
    } });
    started.push(source);

    // Act
    await source.start();
    await waitUntil(() => bodies.length === 2, 'the second invocation', 3_000).catch(() => undefined);
    const invokedWhileHeld = [...bodies];
    const releaseAll = setInterval(() => held.splice(0).forEach((release) => release()), 5);
    await waitUntil(() => bodies.length === 2, 'the second invocation once deletes went through');
    await source.stop();
    clearInterval(releaseAll);
    sqs.destroy();

    // Assess
    expect(invokedWhileHeld.sort()).toEqual(['first', 'second']);
    expect(source.stats()).toMatchObject({ succeeded: 2, inFlight: 0 });
    expect(await countMessages(aws.sqs, queue.url)).toBe(0);
  });

  it('finishes and settles the batch in flight before stop resolves', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 30 });
    await sendAll(aws.sqs, queue.url, ['slow']);
    const order: string[] = [];
    let release: () => void = () => {};
    const handler = async (): Promise<void> => {
      order.push('invoked');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('handler finished');
    };
    const source = await start({ queueUrl: queue.url, handler });
    await waitUntil(() => order.includes('invoked'), 'the invocation started');
    // Act
    const stopped = source.stop().then(() => order.push('stopped'));
    release();
    await stopped;
    // Assess
    expect(order).toEqual(['invoked', 'handler finished', 'stopped']);
    expect(source.stats()).toMatchObject({ succeeded: 1, inFlight: 0 });
    expect(await countMessages(aws.sqs, queue.url)).toBe(0);
  });

  it('stops while idle on a long poll without counting an error', async () => {
    // Prepare
    const queue = await createQueuePair(aws.sqs);
    const source = await start({ queueUrl: queue.url, waitTimeSeconds: 20, handler: async () => {} });
    // Act
    await source.stop();
    // Assess
    expect(source.stats()).toMatchObject({ received: 0, invocations: 0, pollErrors: 0 });
  });
});
