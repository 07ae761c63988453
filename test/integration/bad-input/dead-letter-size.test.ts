/**
 * Issue 8, point 4: every dead letter carries its reason, whatever the body's size or characters.
 * The handler's own dead-letter send must never fail for the body's sake, or SQS would move the
 * message after maxReceiveCount without a reason.
 */
import { createHash } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { DeadLetterQueue, readDeadLetterBody } from '../../../lambdas/adapters/sqs/dead-letter.ts';
import { createResourcesFromTemplate, type CfnTemplate } from '../../../lambdas/local/resources-from-template.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';
import { startPipeline, type DeadLetter, type Pipeline } from '../../support/pipeline.ts';
import { synthFreshindex } from '../../infra/support.ts';

/** SNS's limit, and SQS's MaximumMessageSize before 2025 (what the queues had). */
const SNS_MAX_BYTES = 262_144;
const REASON = `invalid change event: ${'x'.repeat(1_500)}`;

let counter = 0;
async function createQueue(aws: AwsTestEnv, maximumMessageSize?: number): Promise<string> {
  const attributes = maximumMessageSize ? { MaximumMessageSize: String(maximumMessageSize) } : undefined;
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `dlq-size-${++counter}`, Attributes: attributes }));
  return QueueUrl as string;
}

async function receiveOne(aws: AwsTestEnv, queueUrl: string) {
  const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
  expect(Messages).toHaveLength(1);
  const message = Messages[0]!;
  const attributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, String(value.StringValue)]));
  return { body: message.Body ?? '', attributes };
}

describe('dead letters whose body does not fit', () => {
  let aws: AwsTestEnv;
  let cms: CmsServer;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer();
  });
  afterEach(async () => {
    await pipeline?.stop();
    pipeline = undefined;
  });
  afterAll(async () => {
    await cms.stop();
    await aws.stop();
  });

  it('dead-letters a 262,050-byte malformed message once, with its reason, on a 256 KiB dead-letter queue', async () => {
    const config = defineConfig({ types: [{ name: 'video', source: cmsSource(cms), transform: (doc) => doc, version: (doc) => doc['version'] as number }] });
    pipeline = await startPipeline(aws, config, { rawDelivery: true, maxReceiveCount: 3, dlqMaximumMessageSize: SNS_MAX_BYTES });
    const body = JSON.stringify({ type: 'video', id: 'big', op: 'upsert', padding: 'p'.repeat(262_050 - 54) });
    expect(Buffer.byteLength(body)).toBe(262_050);

    await pipeline.publish(body);
    const letters: DeadLetter[] = [];
    await pipeline.until(async () => {
      letters.push(...(await pipeline!.deadLetters()));
      return letters.length > 0 && pipeline!.poller.stats().inFlight === 0;
    });
    await pipeline.until(async () => {
      const { Attributes = {} } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: pipeline!.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return Attributes['ApproximateNumberOfMessages'] === '0' && Attributes['ApproximateNumberOfMessagesNotVisible'] === '0';
    });
    letters.push(...(await pipeline.deadLetters()));

    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/^invalid change event: .*padding/);
    expect(letters[0]?.attributes['receiveCount']).toBe('1');
    expect(readDeadLetterBody(letters[0]!.body)).toMatchObject({ originalBodyBytes: 262_050, originalBodySha256: createHash('sha256').update(body).digest('hex') });
  });

  it('keeps the reason and a reference when the body alone is larger than the queue allows', async () => {
    const queueUrl = await createQueue(aws, 1_024);
    const body = `{"type":"video","id":"v-42","op":"upsert","doc":{"title":"${'é'.repeat(3_000)}"}}`;

    const sent = await new DeadLetterQueue(aws.sqs, queueUrl).send(body, { reason: REASON, messageId: 'm-1', type: 'video', id: 'v-42', receiveCount: 2 });
    const letter = await receiveOne(aws, queueUrl);

    expect(sent).toEqual({ bodyKept: false });
    expect(letter.attributes).toMatchObject({ originalMessageId: 'm-1', type: 'video', id: 'v-42', receiveCount: '2', bodyReplaced: 'too-large' });
    expect(letter.attributes['reason']).toMatch(/^invalid change event: x{100}/);
    expect(REASON.startsWith(letter.attributes['reason'] ?? '-')).toBe(true);
    const marker = readDeadLetterBody(letter.body);
    expect(marker).toMatchObject({ originalMessageId: 'm-1', originalBodyBytes: Buffer.byteLength(body), originalBodySha256: createHash('sha256').update(body).digest('hex'), bodyComplete: false });
    expect(body.startsWith(marker?.body ?? '-')).toBe(true);
  });

  it('keeps a body that fits byte for byte, with its reason', async () => {
    const queueUrl = await createQueue(aws);
    const body = '{ not json, but 1 KiB of it: ' + 'z'.repeat(1_000);

    const sent = await new DeadLetterQueue(aws.sqs, queueUrl).send(body, { reason: 'message body is not JSON', messageId: 'm-2' });
    const letter = await receiveOne(aws, queueUrl);

    expect(sent).toEqual({ bodyKept: true });
    expect(letter.body).toBe(body);
    expect(letter.attributes).toEqual({ reason: 'message body is not JSON', originalMessageId: 'm-2' });
    expect(readDeadLetterBody(letter.body)).toBeUndefined();
  });
});

describe('the deployed and the local dead-letter queues', () => {
  let aws: AwsTestEnv;

  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => {
    await aws.stop();
  });

  it('hold the largest message SNS delivers together with a full reason, locally as on AWS', async () => {
    const { dataTemplate } = await synthFreshindex();
    const queues = Object.values(dataTemplate.findResources('AWS::SQS::Queue')).map((queue) => queue['Properties'] as Record<string, unknown>);
    const consumers = queues.filter((queue) => queue['RedrivePolicy'] !== undefined);
    const deadLetterQueues = queues.filter((queue) => queue['RedrivePolicy'] === undefined);
    expect(consumers.map((queue) => queue['MaximumMessageSize'])).toEqual([SNS_MAX_BYTES, SNS_MAX_BYTES]);
    expect(deadLetterQueues.map((queue) => queue['MaximumMessageSize'])).toEqual([1_048_576, 1_048_576]);

    const local = await createResourcesFromTemplate(dataTemplate.toJSON() as CfnTemplate, aws, { prefix: `size${Date.now() % 100_000}-` });
    const localDeadLetterQueues = Object.values(local.resources).filter((resource) => resource.kind === 'queue' && resource.attributes['RedrivePolicy'] === undefined);
    expect(localDeadLetterQueues).toHaveLength(2);
    for (const queue of localDeadLetterQueues) {
      if (queue.kind !== 'queue') continue;
      const largest = 'b'.repeat(SNS_MAX_BYTES);
      await new DeadLetterQueue(aws.sqs, queue.url).send(largest, { reason: REASON, messageId: 'm-3', type: 'video', id: 'i'.repeat(512), receiveCount: 5 });
      const letter = await receiveOne(aws, queue.url);
      expect(letter.body).toBe(largest);
      expect(letter.attributes['reason']).toBe(REASON.slice(0, 1_024));
    }
  });
});

describe('sending to the dead-letter queue', () => {
  let aws: AwsTestEnv;

  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => {
    await aws.stop();
  });

  it('sends a reason holding half an emoji (as a JSON.parse message may) with the half replaced', async () => {
    const queueUrl = await createQueue(aws);
    const reason = `message body is not JSON: Unexpected token '~', "~${'😀'.slice(0, 1)}" is not valid JSON`;

    await new DeadLetterQueue(aws.sqs, queueUrl).send('~ not json', { reason, messageId: 'm-5', id: `id-${'😀'.slice(1)}` });
    const letter = await receiveOne(aws, queueUrl);

    expect(letter.attributes['reason']).toBe(`message body is not JSON: Unexpected token '~', "~\ufffd" is not valid JSON`);
    expect(letter.attributes['id']).toBe('id-\ufffd');
    expect(letter.body).toBe('~ not json');
  });

  it('keeps the whole body, escaped, when the queue refuses some of its characters', async () => {
    const queueUrl = await createQueue(aws);
    const body = JSON.stringify({ type: 'video', id: 'v-😀', op: 'upsert', version: 'abc' });
    // fauxqs refuses characters outside the Basic Multilingual Plane, which SQS accepts: then the body must survive escaped.
    const probe = await createQueue(aws);
    const refusesEmoji = await aws.sqs.send(new SendMessageCommand({ QueueUrl: probe, MessageBody: '😀' })).then(() => false, () => true);

    await new DeadLetterQueue(aws.sqs, queueUrl).send(body, { reason: 'invalid change event: version: "abc" is not a version', messageId: 'm-4', id: 'v-😀' });
    const letter = await receiveOne(aws, queueUrl);

    expect(letter.attributes['reason']).toBe('invalid change event: version: "abc" is not a version');
    expect(readDeadLetterBody(letter.body)?.body ?? letter.body).toBe(body);
    expect(letter.attributes['bodyReplaced']).toBe(refusesEmoji ? 'invalid-characters' : undefined);
  });
});
