/**
 * Issue 8, points 1 and 2, through the real apply handler on the test backend (its dead-letter
 * queue a real SQS queue): a change's outcome depends on its own reads and writes only, and a
 * write that failed is retried within the invocation.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lambdas/adapters/compose/index.ts';
import { applyChanges } from '../../../lambdas/core/apply.ts';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { createLambdaContext } from '../../../lambdas/local/lambda-context.ts';
import { toSqsEvent } from '../../../lambdas/local/sqs-event.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { injectDynamoFaults } from '../../support/faults.ts';
import { startPipeline, type Pipeline } from '../../support/pipeline.ts';
import { startCms, type Cms, type CmsReply } from '../../unit/sources/cms-server.ts';

const transform = (doc: Record<string, unknown>) => ({ title: String(doc['title']) });

const upsert = (id: string, version: number): ChangeEvent => ({ type: 'video', id, op: 'upsert', version, doc: { id, version, title: `${id} v${version}` } });

/** Item answers by id: `gone` 404, `flaky` 500, `locked` 401; others a document at version 2. */
function cmsAnswer(id: string): CmsReply {
  if (id === 'gone') return { status: 404, body: { message: 'not found' } };
  if (id === 'flaky') return { status: 500, body: { message: 'oops' } };
  if (id === 'locked') return { status: 401, body: { message: 'token expired' } };
  return { body: { id, version: 2, title: `${id} from the cms` } };
}

/** A `random` for `injectDynamoFaults` (any rate in (0, 1)): the first `count` calls fail, then every call goes through. */
function failFirst(count: number): () => number {
  let left = count;
  let kindDraw = false;
  return () => {
    if (kindDraw) {
      kindDraw = false;
      return 0;
    }
    if (left === 0) return 0.99;
    left -= 1;
    kindDraw = true;
    return 0;
  };
}

describe('per-change outcomes through the apply handler', () => {
  let aws: AwsTestEnv;
  let cms: Cms;
  let pipeline: Pipeline | undefined;
  let sequence = 0;

  const invoke = async (events: ChangeEvent[], receiveCount = 1, timeoutMs = 2_000): Promise<{ response: SQSBatchResponse; ids: string[] }> => {
    const messages: Message[] = events.map((event) => ({
      MessageId: `m-${++sequence}`,
      ReceiptHandle: `r-${sequence}`,
      Body: JSON.stringify(event),
      Attributes: { ApproximateReceiveCount: String(receiveCount) },
    }));
    const context = createLambdaContext({ functionName: 'apply', timeoutMs, region: 'us-east-1' });
    const response = await pipeline!.handler(toSqsEvent(messages, { queueArn: 'arn:aws:sqs:us-east-1:000000000000:apply', region: 'us-east-1' }), context);
    return { response, ids: messages.map((message) => message.MessageId as string) };
  };
  const failedIds = (response: SQSBatchResponse, ids: string[], events: ChangeEvent[]) =>
    response.batchItemFailures.map((failure) => events[ids.indexOf(failure.itemIdentifier)]?.id).sort();

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCms((request) => cmsAnswer(decodeURIComponent(request.url.pathname.split('/')[2] ?? '')));
  });
  afterEach(async () => {
    await pipeline?.stop();
    pipeline = undefined;
  });
  afterAll(async () => {
    await cms.close();
    await aws.stop();
  });

  const start = async (options: Parameters<typeof startPipeline>[2] = {}) => {
    const config = defineConfig({
      types: [{ name: 'video', source: { type: 'http', itemUrl: `${cms.url}/docs/{id}`, pageUrl: `${cms.url}/docs?cursor={cursor}`, retries: 1, timeoutMs: 500 }, transform, version: (doc) => doc['version'] as number }],
    });
    pipeline = await startPipeline(aws, config, options);
    await pipeline.poller.stop(); // the handler is invoked directly: every change of a test shares one batch
    return pipeline;
  };

  it('dead-letters only the change the store refuses, applying its nine neighbours', async () => {
    await start();
    const events = [...Array.from({ length: 9 }, (_, i) => upsert(`good-${i}`, 1)), upsert('huge-version', 2 ** 60)];

    const { response } = await invoke(events);

    expect(response.batchItemFailures).toEqual([]);
    for (let i = 0; i < 9; i++) expect((await pipeline!.read('video', `good-${i}`))?.record).toEqual({ title: `good-${i} v1` });
    const letters = await pipeline!.deadLetters();
    expect(letters.map((letter) => JSON.parse(letter.body).id)).toEqual(['huge-version']);
  });

  it('applies the older change of a resource whose newest change in the batch is refused', async () => {
    await start();
    const poisoned: ChangeEvent = { type: 'video', id: 'twice', op: 'upsert', version: 2, doc: { id: 'twice', version: 'not a version', title: 'twice v2' } };

    const { response } = await invoke([upsert('twice', 1), poisoned]);

    expect(response.batchItemFailures).toEqual([]);
    expect(await pipeline!.read('video', 'twice')).toMatchObject({ version: 1, record: { title: 'twice v1' } });
    const letters = await pipeline!.deadLetters();
    expect(letters.map((letter) => JSON.parse(letter.body).version)).toEqual([2]);
  });

  it('classifies each source read on its own: a 404 deletes, a 500 and a 401 come back, the rest apply', async () => {
    await start();
    await invoke([upsert('gone', 1)]);
    const events: ChangeEvent[] = ['ok1', 'ok2', 'ok3', 'gone', 'flaky', 'locked'].map((id) => ({ type: 'video', id, op: 'upsert' }));

    const { response, ids } = await invoke(events);

    expect(failedIds(response, ids, events)).toEqual(['flaky', 'locked']);
    for (const id of ['ok1', 'ok2', 'ok3']) expect((await pipeline!.read('video', id))?.record).toEqual({ title: `${id} from the cms` });
    expect(await pipeline!.read('video', 'gone')).toMatchObject({ deleted: true });
    expect(await pipeline!.deadLetters()).toEqual([]);
  });

  it('dead-letters a change whose source refuses the credentials only on its last delivery, saying it gave up', async () => {
    await start({ maxReceiveCount: 3 });
    const events: ChangeEvent[] = [{ type: 'video', id: 'locked', op: 'upsert' }];

    const { response } = await invoke(events, 3);

    expect(response.batchItemFailures).toEqual([]);
    const [letter, ...others] = await pipeline!.deadLetters();
    expect(others).toEqual([]);
    expect(letter?.reason).toMatch(/^gave up after 3 deliveries: SourceError: .*answered 401/);
  });

  it('retries writes that failed above the SDK within the invocation, so the whole batch applies', async () => {
    const dynamodb = createDynamoClient(aws.clientConfig('dynamodb'));
    await start({ dynamodb });
    await invoke([upsert('primer', 1)]); // creates the pointer before any fault
    injectDynamoFaults(dynamodb, { rate: 0.5, layer: 'above-retry', kinds: ['server'], operations: ['PutItemCommand'], random: failFirst(4) });
    const events = Array.from({ length: 10 }, (_, i) => upsert(`r-${i}`, 1));

    const { response } = await invoke(events);

    expect(response.batchItemFailures).toEqual([]);
    for (let i = 0; i < 10; i++) expect((await pipeline!.read('video', `r-${i}`))?.version).toBe(1);
    dynamodb.destroy();
  });

  it('fails only the change whose write failed when no time is left to retry it', async () => {
    const dynamodb = createDynamoClient(aws.clientConfig('dynamodb'));
    const { runtime } = await start({ dynamodb });
    await applyChanges(runtime, [{ key: 'primer', change: upsert('primer', 1) }]);
    injectDynamoFaults(dynamodb, { rate: 0.5, layer: 'above-retry', kinds: ['unavailable'], operations: ['PutItemCommand'], random: failFirst(1) });
    const changes = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, change: upsert(`s-${i}`, 1) }));

    const outcomes = await applyChanges(runtime, changes, { remainingMs: () => 0 });

    const statuses = [...outcomes.values()].map((outcome) => outcome.status).sort();
    expect(statuses).toEqual([...Array<string>(9).fill('applied'), 'failed']);
    dynamodb.destroy();
  });
});
