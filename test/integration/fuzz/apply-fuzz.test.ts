/**
 * Fuzz through the real path (issue 8): SQS → the local event source → the apply handler →
 * DynamoDB, with a real HTTP CMS as the source. Good changes of every allowed shape are mixed with
 * malformed messages of every kind in messages.ts. Afterwards: no invocation failed, every
 * malformed message is dead-lettered once per delivery with the reason its kind calls for, no good
 * change is dead-lettered, the index matches the source for every resource, and nothing is left
 * in the queue.
 *
 * FRESHINDEX_FUZZ_MESSAGES sets the number of messages (default 10,000 on the embedded emulators,
 * about 20 s; 500 on moto_server, which is some 50 times slower); FRESHINDEX_FUZZ_SEED the seed
 * (default 8). Characters outside the Basic Multilingual Plane are sent only where the backend
 * accepts them in SendMessage (moto; fauxqs refuses them, SQS does not).
 */
import { SendMessageBatchCommand, SendMessageCommand, GetQueueAttributesCommand, CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { motoEndpoint } from '../../support/moto.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';
import { startPipeline, type DeadLetter, type Pipeline } from '../../support/pipeline.ts';
import { buildWorkload, TYPE, type FuzzMessage } from './messages.ts';

const MESSAGES = Number(process.env['FRESHINDEX_FUZZ_MESSAGES'] ?? (motoEndpoint() ? 500 : 10_000));
const SEED = Number(process.env['FRESHINDEX_FUZZ_SEED'] ?? 8);
const BATCH_BYTES = 200_000;
/** Generous: about 2 ms a message on the embedded emulators, 50 ms on moto. */
const TIMEOUT_MS = 60_000 + MESSAGES * 100;

const transform = (doc: Record<string, unknown>) => {
  if (doc['poison'] === true) throw new Error('poisoned document');
  return { title: doc['title'] };
};

describe(`fuzzing the apply path with ${MESSAGES} messages (seed ${SEED})`, () => {
  let aws: AwsTestEnv;
  let cms: CmsServer;
  let pipeline: Pipeline;

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer();
  });
  afterAll(async () => {
    await pipeline?.stop();
    await cms.stop();
    await aws.stop();
  });

  it('dead-letters every malformed message once per delivery with its reason, and loses, crashes on or dead-letters no good change', async () => {
    const workload = buildWorkload({ messages: MESSAGES, seed: SEED, astral: await acceptsAstral(aws) });
    for (const [id, doc] of workload.docs) cms.docs.set(id, doc);
    const config = defineConfig({ types: [{ name: TYPE, source: cmsSource(cms, { timeoutMs: 10_000 }), transform, version: (doc) => doc['version'] as number }] });
    pipeline = await startPipeline(aws, config, { visibilityTimeoutSeconds: 60, maxReceiveCount: 3 });

    const sent = await sendAll(aws, pipeline.queueUrl, workload.messages);
    const letters = await drain(pipeline, aws, workload.messages.length);

    const stats = pipeline.poller.stats();
    expect({ failed: stats.failed, pollErrors: stats.pollErrors, deleteErrors: stats.deleteErrors }).toEqual({ failed: 0, pollErrors: 0, deleteErrors: 0 });
    expect(stats.succeeded).toBeGreaterThanOrEqual(workload.messages.length);
    expect(deadLetterProblems(letters, sent)).toEqual([]);
    expect(await indexProblems(pipeline, workload)).toEqual([]);
  }, TIMEOUT_MS);
});

/** Whether the backend's SendMessage takes characters outside the Basic Multilingual Plane. */
async function acceptsAstral(aws: AwsTestEnv): Promise<boolean> {
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `fuzz-probe-${Date.now()}` }));
  const accepted = await aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '😀' })).then(() => true, () => false);
  await aws.sqs.send(new DeleteQueueCommand({ QueueUrl }));
  return accepted;
}

/** Sends every message straight to the queue, in batches under SQS's batch size; returns them by message id. */
async function sendAll(aws: AwsTestEnv, queueUrl: string, messages: FuzzMessage[]): Promise<Map<string, FuzzMessage>> {
  const batches: FuzzMessage[][] = [[]];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.body);
    const current = batches.at(-1) as FuzzMessage[];
    if (current.length === 10 || (current.length > 0 && bytes + size > BATCH_BYTES)) {
      batches.push([message]);
      bytes = size;
    } else {
      current.push(message);
      bytes += size;
    }
  }
  const sent = new Map<string, FuzzMessage>();
  const limit = pLimit(4);
  await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        const output = await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((message, i) => ({ Id: String(i), MessageBody: message.body })) }));
        expect(output.Failed ?? []).toEqual([]);
        for (const entry of output.Successful ?? []) sent.set(entry.MessageId as string, batch[Number(entry.Id)] as FuzzMessage);
      }),
    ),
  );
  expect(sent.size).toBe(messages.length);
  return sent;
}

/**
 * Waits until every message was received, nothing is in flight and the queue is empty, then
 * collects the dead letters: the handler sends each before its message is deleted, so all are there.
 */
async function drain(pipeline: Pipeline, aws: AwsTestEnv, messages: number): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await pipeline.until(async () => {
    letters.push(...(await pipeline.deadLetters()));
    const stats = pipeline.poller.stats();
    if (stats.received < messages || stats.inFlight > 0) return false;
    const { Attributes = {} } = await aws.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: pipeline.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Attributes['ApproximateNumberOfMessages'] === '0' && Attributes['ApproximateNumberOfMessagesNotVisible'] === '0';
  }, TIMEOUT_MS - 30_000);
  letters.push(...(await pipeline.deadLetters()));
  return letters;
}

/** Every way the dead letters differ from "each malformed message once, with its reason, and nothing else". */
function deadLetterProblems(letters: DeadLetter[], sent: Map<string, FuzzMessage>): string[] {
  const problems: string[] = [];
  // SQS delivers at least once (and moto's ReceiveMessage takes no lock, so two concurrent receives
  // can both get one message): a malformed message is dead-lettered once per delivery, and each
  // delivery has its own receive count. Two letters from one delivery are a defect.
  const seen = new Map<string, string[]>();
  for (const letter of letters) {
    const messageId = letter.attributes['originalMessageId'] ?? '';
    seen.set(messageId, [...(seen.get(messageId) ?? []), letter.attributes['receiveCount'] ?? '?']);
    const message = sent.get(messageId);
    if (!letter.reason) problems.push(`a dead letter without a reason: ${letter.body.slice(0, 80)}`);
    else if (!message) problems.push(`a dead letter for an unknown message ${messageId}: ${letter.reason}`);
    else if (message.kind === 'good') problems.push(`good change dead-lettered (${message.label}): ${letter.reason.slice(0, 200)}`);
    else if (!message.reason.test(letter.reason)) problems.push(`${message.label}: reason ${JSON.stringify(letter.reason.slice(0, 200))} does not match ${message.reason}`);
  }
  for (const [messageId, message] of sent) {
    const deliveries = seen.get(messageId) ?? [];
    const once = deliveries.length >= 1 && new Set(deliveries).size === deliveries.length;
    if (message.kind === 'malformed' && !once) problems.push(`${message.label} dead-lettered ${deliveries.length} times (receive counts ${deliveries.join(', ')}): ${message.body.slice(0, 80)}`);
  }
  return problems.slice(0, 20);
}

/** Every resource whose index entry differs from the source's final state. */
async function indexProblems(pipeline: Pipeline, workload: ReturnType<typeof buildWorkload>): Promise<string[]> {
  const mustBeAbsent = workload.messages.flatMap((m) => (m.kind === 'malformed' && m.mustStayAbsent ? [m.mustStayAbsent] : []));
  const ids = [...workload.expected.keys(), ...mustBeAbsent];
  const stored = new Map<string, Awaited<ReturnType<Pipeline['read']>>>();
  const limit = pLimit(8);
  await Promise.all(ids.map((id) => limit(async () => stored.set(id, await pipeline.read(TYPE, id)))));
  const problems: string[] = [];
  for (const [id, doc] of workload.expected) {
    const record = stored.get(id);
    if (doc === undefined && record && !record.deleted) problems.push(`${id}: deleted at the source, live in the index at version ${record.version}`);
    if (doc !== undefined && (record?.deleted !== false || record.version !== doc['version'] || JSON.stringify(record.record) !== JSON.stringify(transform(doc)))) {
      problems.push(`${JSON.stringify(id).slice(0, 60)}: expected version ${String(doc['version'])}, index has ${record ? `${record.deleted ? 'a tombstone' : 'a record'} at version ${record.version}` : 'nothing'}`);
    }
  }
  for (const id of mustBeAbsent) if (stored.get(id) !== undefined) problems.push(`${id}: a rejected document reached the index`);
  return problems.slice(0, 20);
}
