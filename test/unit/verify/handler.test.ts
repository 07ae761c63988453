import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { delaySeconds } from '../../../lambdas/adapters/sqs/check-scheduler.ts';
import { CHECKS_IN_FLIGHT, createVerifyHandler } from '../../../lambdas/handlers/verify.ts';
import { createLambdaContext } from '../../../lambdas/local/lambda-context.ts';
import { memoryWorld, videoConfig } from './world.ts';

const env = {
  FRESHINDEX_INDEX_TABLE: 'index',
  FRESHINDEX_CONTROL_TABLE: 'control',
  FRESHINDEX_VERIFY_QUEUE_URL: 'https://sqs/verify',
  FRESHINDEX_VERIFY_DLQ_URL: 'https://sqs/verify-dlq',
};

function setup(logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' })) {
  const world = memoryWorld(videoConfig(), [{ id: 'v1', title: 'Hello', version: 1 }]);
  world.index.put({ type: 'video', id: 'v1', generation: 1, version: 1, hash: contentHash({ title: 'Hello' }), deleted: false, writtenAt: 0, record: { title: 'Hello' } });
  const sent: SendMessageCommand['input'][] = [];
  const sqs = { send: async (command: SendMessageCommand) => sent.push(command.input) } as unknown as SQSClient;
  let sourceReads = 0;
  const get = world.source.get.bind(world.source);
  world.source.get = async (id) => {
    sourceReads++;
    return get(id);
  };
  const handler = createVerifyHandler(videoConfig(), {
    env,
    verify: world.deps,
    sqs,
    logger,
    metrics: new Metrics({ namespace: 'test', serviceName: 'test' }),
  });
  const context = createLambdaContext({ functionName: 'verify', timeoutMs: 10_000, region: 'us-east-1' });
  const run = (...records: SQSRecord[]) => handler({ Records: records }, context);
  return { world, sent, run, sourceReads: () => sourceReads };
}

function record(messageId: string, body: unknown, sentAt: number): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(sentAt), SenderId: 's', ApproximateFirstReceiveTimestamp: String(sentAt) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:verify',
    awsRegion: 'us-east-1',
  };
}

const change = { type: 'video', id: 'v1', op: 'upsert' };

describe('the verify handler', () => {
  it('checks a resource once for several of its messages in one batch', async () => {
    const { world, run, sourceReads } = setup();
    const old = world.clock.now - 120_000;

    await run(record('a', change, old), record('b', change, old), record('c', change, old));

    expect(sourceReads()).toBe(1);
  });

  it('runs at most CHECKS_IN_FLIGHT checks at once in a batch of 100, so a large batch does not flood the source', async () => {
    const { world, run } = setup();
    let reading = 0;
    let most = 0;
    const get = world.source.get.bind(world.source);
    world.source.get = async (id) => {
      reading++;
      most = Math.max(most, reading);
      await new Promise((resolve) => setTimeout(resolve, 2));
      reading--;
      return get(id);
    };
    const old = world.clock.now - 120_000;

    await run(...Array.from({ length: 100 }, (_, i) => record(`m${i}`, { ...change, id: `v${i}` }, old)));

    expect(most).toBe(CHECKS_IN_FLIGHT);
  });

  it('puts an early message back for the remaining time without checking it', async () => {
    const { world, run, sent, sourceReads } = setup();

    await run(record('a', change, world.clock.now - 20_000));

    expect(sourceReads()).toBe(0);
    expect(sent).toMatchObject([{ QueueUrl: env.FRESHINDEX_VERIFY_QUEUE_URL, DelaySeconds: 40 }]);
    expect(JSON.parse(sent[0]?.MessageBody as string)).toMatchObject({ type: 'video', id: 'v1', checkAfter: world.clock.now + 40_000, trigger: 'change' });
  });

  it('dead-letters a malformed message with its reason and acknowledges it', async () => {
    const { world, run, sent } = setup();

    const response = await run(record('a', 'not json', world.clock.now));

    expect(response.batchItemFailures).toEqual([]);
    expect(sent[0]).toMatchObject({ QueueUrl: env.FRESHINDEX_VERIFY_DLQ_URL, MessageAttributes: { reason: { StringValue: expect.stringMatching(/not JSON/) } } });
  });

  it('reports a check that failed for a transient reason as a batch item failure', async () => {
    const { world, run } = setup();
    world.source.get = async () => {
      throw new Error('socket hang up');
    };

    const response = await run(record('a', change, world.clock.now - 120_000));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a' }]);
  });

  it('logs a repair only when one landed', async () => {
    const lines: Array<{ message: unknown; repair?: unknown }> = [];
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    vi.spyOn(logger, 'warn').mockImplementation((message: unknown, ...extra: unknown[]) => void lines.push(Object.assign({ message }, ...(extra as object[]))));
    const { world, run } = setup(logger);
    // An event carried a doc the source disagrees with (version 2): the index holds a newer version than the source.
    world.index.put({ type: 'video', id: 'v1', generation: 1, version: 2, hash: contentHash({ title: 'From the event' }), deleted: false, writtenAt: 0, record: { title: 'From the event' } });

    await run(record('a', change, world.clock.now - 120_000));

    expect(lines).toEqual([expect.objectContaining({ message: 'index differs from the source: not repaired (the index holds a newer version than the source)', repair: 'stale' })]);
    expect(world.index.stored('video', 'v1')?.record).toEqual({ title: 'From the event' });
  });

  it('fails fast naming a missing environment variable', () => {
    const { world } = setup();

    expect(() => createVerifyHandler(videoConfig(), { env: { ...env, FRESHINDEX_VERIFY_DLQ_URL: undefined }, verify: world.deps })).toThrow(/FRESHINDEX_VERIFY_DLQ_URL/);
  });
});

describe('delaySeconds', () => {
  it('rounds up to whole seconds within the SQS maximum', () => {
    expect([delaySeconds(-5), delaySeconds(1_200), delaySeconds(3_600_000)]).toEqual([0, 2, 900]);
  });
});
