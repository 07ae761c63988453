/**
 * Issue 12: a redrive never loses a letter. The copy deletes a letter only after its send
 * succeeded (faults injected at the SQS client, below and above the SDK's retries); letters whose
 * body was replaced stay; a redrive of everything on AWS is one StartMessageMoveTask (answered by
 * an SDK middleware stand-in: neither fauxqs nor moto has it).
 */
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterQueue } from '../../../lambdas/adapters/sqs/dead-letter.ts';
import { SqsDeadLetterInbox } from '../../../lambdas/adapters/sqs/dead-letter-inbox.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { changeBody, deadLetterWorld, depthOf, receiveAll, type DeadLetterWorld } from './support.ts';

let aws: AwsTestEnv;
const clients: SQSClient[] = [];

beforeAll(async () => {
  aws = await startAws();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});
afterAll(async () => {
  await aws.stop();
});

/** A client of its own, so the middleware a test adds stays with that test. */
function sqsClient(): SQSClient {
  const client = new SQSClient(aws.clientConfig('sqs'));
  clients.push(client);
  return client;
}

function inbox(world: DeadLetterWorld, sqs: SQSClient, moveTasks = false): SqsDeadLetterInbox {
  return new SqsDeadLetterInbox({ sqs, deadLetterQueueUrl: world.apply.deadLetterQueueUrl, sourceQueueUrl: world.apply.queueUrl, moveTasks });
}

type Layer = 'below-retry' | 'above-retry';

/** Makes every call of `command` fail with a 500 (after it landed, with `lost-response`). */
function failCalls(client: SQSClient, command: string, options: { layer: Layer; lostResponse?: boolean }): { calls: number } {
  const seen = { calls: 0 };
  const failing = (next: (args: unknown) => Promise<unknown>, commandName: string | undefined) => async (args: unknown) => {
    if (commandName !== command) return next(args);
    seen.calls += 1;
    if (options.lostResponse) await next(args);
    throw new SQSServiceException({ name: 'InternalError', $fault: 'server', message: 'injected: internal error', $metadata: { httpStatusCode: 500 } });
  };
  if (options.layer === 'above-retry') {
    client.middlewareStack.add((next, context) => failing(next as never, context.commandName) as never, { step: 'initialize', priority: 'low', name: 'injectSqsFaults' });
  } else {
    client.middlewareStack.addRelativeTo((next: unknown, context: { commandName?: string }) => failing(next as never, context.commandName) as never, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'injectSqsFaults',
    });
  }
  return seen;
}

/** Answers the message-move-task calls as SQS does, before anything is sent; records what it was asked. */
function standInMoveTasks(client: SQSClient, options: { running?: boolean; unknownAction?: boolean } = {}): Array<{ command: string; input: Record<string, unknown> }> {
  const asked: Array<{ command: string; input: Record<string, unknown> }> = [];
  const answers: Record<string, () => unknown> = {
    ListMessageMoveTasksCommand: () => ({ Results: options.running ? [{ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 10 }] : [] }),
    StartMessageMoveTaskCommand: () => ({ TaskHandle: 'task-1' }),
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const answer = answers[context.commandName ?? ''];
      if (!answer) return next(args);
      asked.push({ command: context.commandName ?? '', input: args.input as Record<string, unknown> });
      if (options.unknownAction) throw new SQSServiceException({ name: 'InvalidAction', $fault: 'client', message: `Unknown action: ${context.commandName}`, $metadata: { httpStatusCode: 400 } });
      return { output: { ...(answer() as object), $metadata: { httpStatusCode: 200 } }, response: {} } as never;
    },
    { step: 'initialize', name: 'moveTaskStandIn' },
  );
  return asked;
}

describe.each<Layer>(['below-retry', 'above-retry'])('a redrive whose sends fail (%s)', (layer) => {
  it('deletes nothing and says which send failed', async () => {
    const world = await deadLetterWorld(aws);
    await world.deadLetter('apply', 'movie', 'm-1');
    await world.deadLetter('apply', 'movie', 'm-2');
    const sqs = sqsClient();
    const faults = failCalls(sqs, 'SendMessageBatchCommand', { layer });

    const result = await inbox(world, sqs).redrive({});

    expect(faults.calls).toBeGreaterThan(0);
    expect(result).toMatchObject({ method: 'copy', redriven: 0, complete: false, error: expect.stringMatching(/sending to the consumer queue failed/) });
    expect(await depthOf(aws, world.apply.deadLetterQueueUrl)).toBe(2);
    expect(await depthOf(aws, world.apply.queueUrl)).toBe(0);
  });
});

describe('a redrive by copy', () => {
  it('keeps the letter when the answer to its send is lost after the send landed (it is then in both queues)', async () => {
    const world = await deadLetterWorld(aws);
    await world.deadLetter('apply', 'movie', 'm-1');
    const sqs = sqsClient();
    failCalls(sqs, 'SendMessageBatchCommand', { layer: 'above-retry', lostResponse: true });

    const result = await inbox(world, sqs).redrive({});

    expect(result).toMatchObject({ redriven: 0, error: expect.any(String) });
    expect(await depthOf(aws, world.apply.deadLetterQueueUrl)).toBe(1);
    expect((await receiveAll(aws, world.apply.queueUrl)).map((message) => message.Body)).toEqual([changeBody('movie', 'm-1')]);
  });

  it('counts a letter it sent but could not delete, which stays in both queues', async () => {
    const world = await deadLetterWorld(aws);
    await world.deadLetter('apply', 'movie', 'm-1');
    const sqs = sqsClient();
    failCalls(sqs, 'DeleteMessageBatchCommand', { layer: 'above-retry' });

    const result = await inbox(world, sqs).redrive({});

    expect(result).toMatchObject({ redriven: 0, notDeleted: 1, complete: true });
    expect(await depthOf(aws, world.apply.deadLetterQueueUrl)).toBe(1);
    expect(await depthOf(aws, world.apply.queueUrl)).toBe(1);
  });

  it('leaves a letter whose body the dead-letter queue could not take, and counts it', async () => {
    const world = await deadLetterWorld(aws, { dlqMaximumMessageSize: 1_024 });
    await world.deadLetter('apply', 'movie', 'm-1');
    await new DeadLetterQueue(aws.sqs, world.apply.deadLetterQueueUrl).send(JSON.stringify({ type: 'movie', id: 'm-2', padding: 'p'.repeat(5_000) }), { reason: 'too big', messageId: 'orig-2', type: 'movie', id: 'm-2' });
    const sqs = sqsClient();

    const result = await inbox(world, sqs).redrive({});
    const left = await inbox(world, sqs).list({ limit: 10 });

    expect(result).toMatchObject({ redriven: 1, skippedReplaced: 1, complete: true });
    expect(left.items).toEqual([expect.objectContaining({ id: 'm-2', bodyReplaced: true })]);
  });
});

describe('a letter without attributes', () => {
  it('is listed and redriven by the type and id of its body', async () => {
    const world = await deadLetterWorld(aws);
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: world.apply.deadLetterQueueUrl, MessageBody: changeBody('show', 's-9') }));
    const sqs = sqsClient();

    const listed = await inbox(world, sqs).list({ type: 'show', limit: 10 });
    const result = await inbox(world, sqs).redrive({ type: 'show' });

    expect(listed.items).toEqual([expect.objectContaining({ type: 'show', id: 's-9' })]);
    expect(result).toMatchObject({ redriven: 1, skippedOtherTypes: 0 });
  });
});

describe('a redrive of every letter with message move tasks (AWS)', () => {
  it('starts one StartMessageMoveTask from the dead-letter queue to its consumer queue', async () => {
    const world = await deadLetterWorld(aws);
    await world.deadLetter('apply', 'movie', 'm-1');
    await world.deadLetter('apply', 'show', 's-1');
    const sqs = sqsClient();
    const asked = standInMoveTasks(sqs);
    const [dlqArn, queueArn] = await Promise.all([arnOf(world.apply.deadLetterQueueUrl), arnOf(world.apply.queueUrl)]);

    const result = await inbox(world, sqs, true).redrive({});

    expect(result).toEqual({ method: 'move-task', taskHandle: 'task-1', approximateCount: 2 });
    expect(asked.at(-1)).toEqual({ command: 'StartMessageMoveTaskCommand', input: { SourceArn: dlqArn, DestinationArn: queueArn } });
  });

  it('refuses (409) while a move task of the queue runs', async () => {
    const world = await deadLetterWorld(aws);
    const sqs = sqsClient();
    const asked = standInMoveTasks(sqs, { running: true });

    await expect(inbox(world, sqs, true).redrive({})).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/running \(3 of 10 moved\)/) });
    expect(asked.map((call) => call.command)).toEqual(['ListMessageMoveTasksCommand']);
  });

  it('copies instead when the endpoint does not know the action (as fauxqs answers)', async () => {
    const world = await deadLetterWorld(aws);
    await world.deadLetter('apply', 'movie', 'm-1');
    const sqs = sqsClient();
    standInMoveTasks(sqs, { unknownAction: true });

    const result = await inbox(world, sqs, true).redrive({});

    expect(result).toMatchObject({ method: 'copy', redriven: 1 });
  });

  it('copies a redrive of one type, which a move task cannot filter', async () => {
    const world = await deadLetterWorld(aws);
    await world.deadLetter('apply', 'movie', 'm-1');
    await world.deadLetter('apply', 'show', 's-1');
    const sqs = sqsClient();
    const asked = standInMoveTasks(sqs);

    const result = await inbox(world, sqs, true).redrive({ type: 'show' });

    expect(result).toMatchObject({ method: 'copy', redriven: 1, skippedOtherTypes: 1 });
    expect(asked).toEqual([]);
  });
});

async function arnOf(queueUrl: string): Promise<string> {
  return (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
}
