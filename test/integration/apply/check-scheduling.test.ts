/**
 * Issue #10, the verify path's cost: the verify queue has no subscription to the change topic;
 * the apply handler schedules each change's check there itself, at the start of every receive.
 * Through the real handler on the test backend, with faults injected at the SDK client.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { createLambdaContext } from '../../../lambdas/local/lambda-context.ts';
import { toSqsEvent } from '../../../lambdas/local/sqs-event.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';
import { injectSqsBatchFaults } from '../../support/faults.ts';
import { startPipeline, type Pipeline } from '../../support/pipeline.ts';
import { startRedis, type RedisTestServer } from '../../support/redis.ts';

/** A settle delay each: the checks of changes received this long ago are due at once (SQS delivers them without delay). */
const SETTLE = { video: 5, article: 8 };
const PAST_MS = 60_000;

describe.each(['dynamodb', 'redis'] as const)('the apply handler schedules the checks, on a %s index', (store) => {
  let aws: AwsTestEnv;
  let cms: CmsServer;
  let redis: RedisTestServer | undefined;
  let pipeline: Pipeline | undefined;
  let sequence = 0;

  const config = (settle: Record<'video' | 'article', number> = SETTLE) =>
    defineConfig({
      ...(store === 'redis' ? { store: { type: 'redis' as const, keyPrefix: `checks${sequence}:` } } : {}),
      types: (['video', 'article'] as const).map((name) => ({
        name,
        source: cmsSource(cms),
        transform: (doc: Record<string, unknown>) => {
          if (doc['poison'] === true) throw new Error('poisoned document');
          return { title: String(doc['title']) };
        },
        version: (doc: Record<string, unknown>) => doc['version'] as number,
        settleDelaySeconds: settle[name],
      })),
    });
  const edit = (type: string, id: string, version: number): ChangeEvent => ({ type, id, op: 'upsert', version, doc: { id, version, title: `${id} v${version}` } });
  const message = (event: ChangeEvent, sentAt: number): Message => ({
    MessageId: `m-${++sequence}`,
    ReceiptHandle: `r-${sequence}`,
    Body: JSON.stringify(event),
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(sentAt) },
  });
  const invoke = (messages: Message[]): Promise<SQSBatchResponse> =>
    pipeline!.handler(
      toSqsEvent(messages, { queueArn: 'arn:aws:sqs:us-east-1:000000000000:apply', region: 'us-east-1' }),
      createLambdaContext({ functionName: 'apply', timeoutMs: 3_000, region: 'us-east-1' }),
    );
  /** Every check on the verify queue, read until `count` arrived and one more read finds nothing. */
  const drainChecks = async (count: number) => {
    const checks: Array<Record<string, unknown>> = [];
    await pipeline!.until(async () => (checks.push(...(await pipeline!.checks())), checks.length >= count), 15_000);
    checks.push(...(await pipeline!.checks()));
    return checks;
  };
  const resources = (checks: Array<Record<string, unknown>>) => checks.map((check) => `${String(check['type'])}/${String(check['id'])}`).sort();

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer();
    if (store === 'redis') redis = await startRedis();
  });
  afterEach(async () => {
    await pipeline?.stop();
    pipeline = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
    await cms.stop();
    await aws.stop();
  });

  it('leaves one check per distinct resource of a batch, due its settle delay after the latest edit was received', async () => {
    pipeline = await startPipeline(aws, config(), { redisUrl: redis?.url, verifyQueue: true });
    await pipeline.poller.stop();
    const sent = Date.now() - PAST_MS;

    const response = await invoke([
      message(edit('video', 'v1', 1), sent),
      message(edit('video', 'v1', 2), sent + 40),
      message(edit('article', 'v1', 1), sent + 10),
      message(edit('video', 'v1', 3), sent + 20),
      message(edit('article', 'a1', 1), sent + 30),
      message(edit('article', 'a1', 2), sent + 50),
    ]);

    expect(response.batchItemFailures).toEqual([]);
    const checks = await drainChecks(3);
    expect(checks.map(({ type, id, checkAfter, trigger }) => ({ type, id, checkAfter, trigger })).sort((a, b) => `${a.type}/${a.id}`.localeCompare(`${b.type}/${b.id}`))).toEqual([
      { type: 'article', id: 'a1', checkAfter: sent + 50 + SETTLE.article * 1000, trigger: 'change' },
      { type: 'article', id: 'v1', checkAfter: sent + 10 + SETTLE.article * 1000, trigger: 'change' },
      { type: 'video', id: 'v1', checkAfter: sent + 40 + SETTLE.video * 1000, trigger: 'change' },
    ]);
  });

  it('fails exactly the messages whose check SQS refused, and schedules it again when they come back', async () => {
    const sqs = new SQSClient(aws.clientConfig('sqs'));
    const faults = injectSqsBatchFaults(sqs, { refuse: (body) => /"id":"v[23]"/.test(body) });
    pipeline = await startPipeline(aws, config(), { redisUrl: redis?.url, verifyQueue: true, sqs });
    await pipeline.poller.stop();
    const sent = Date.now() - PAST_MS;
    const batch = [message(edit('video', 'v1', 1), sent), message(edit('video', 'v2', 1), sent), message(edit('article', 'a1', 1), sent), message(edit('video', 'v2', 2), sent)];
    // A change the transform rejects is dead-lettered, not sent back for its refused check (it would be dead-lettered twice).
    const poisoned = message({ type: 'video', id: 'v3', op: 'upsert', version: 1, doc: { id: 'v3', version: 1, poison: true } }, sent);

    const response = await invoke([...batch, poisoned]);
    faults.disable();
    const again = await invoke(batch.filter((_, at) => at === 1 || at === 3).map((m) => ({ ...m, Attributes: { ...m.Attributes, ApproximateReceiveCount: '2' } })));

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([batch[1]?.MessageId, batch[3]?.MessageId].sort());
    expect(again.batchItemFailures).toEqual([]);
    expect(resources(await drainChecks(3))).toEqual(['article/a1', 'video/v1', 'video/v2']);
    expect(await pipeline.read('video', 'v2')).toMatchObject({ version: 2 });
    expect((await pipeline.deadLetters()).map((letter) => JSON.parse(letter.body).id)).toEqual(['v3']);
  });

  it('fails the one message whose check SQS refused among 25 resources sent in three calls', async () => {
    const sqs = new SQSClient(aws.clientConfig('sqs'));
    injectSqsBatchFaults(sqs, { refuse: (body) => /"id":"r23"/.test(body) });
    pipeline = await startPipeline(aws, config(), { redisUrl: redis?.url, verifyQueue: true, sqs });
    await pipeline.poller.stop();
    const batch = Array.from({ length: 25 }, (_, n) => message(edit('video', `r${n}`, 1), Date.now() - PAST_MS));

    const response = await invoke(batch);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch[23]?.MessageId }]);
    const checked = resources(await drainChecks(24));
    expect(checked).toHaveLength(24);
    expect(checked).not.toContain('video/r23');
  });

  it('dead-letters with its reason, on its last receive, a change whose check could never be scheduled, its write kept', async () => {
    const sqs = new SQSClient(aws.clientConfig('sqs'));
    injectSqsBatchFaults(sqs, { refuse: (body) => /"id":"v2"/.test(body) });
    pipeline = await startPipeline(aws, config(), { redisUrl: redis?.url, verifyQueue: true, sqs, maxReceiveCount: 3 });
    await pipeline.poller.stop();
    const last = (m: Message): Message => ({ ...m, Attributes: { ...m.Attributes, ApproximateReceiveCount: '3' } });
    const batch = [message(edit('video', 'v1', 1), Date.now()), message(edit('video', 'v2', 1), Date.now())].map(last);

    const response = await invoke(batch);

    expect(response.batchItemFailures).toEqual([]);
    const letters = await pipeline.deadLetters();
    expect(letters.map((letter) => JSON.parse(letter.body).id)).toEqual(['v2']);
    expect(letters[0]?.reason).toMatch(/^gave up after 3 deliveries: (Error: )?handled, but its check could not be scheduled: /);
    expect(await pipeline.read('video', 'v2')).toMatchObject({ version: 1 });
  });

  it('dead-letters at once, with its reason, a change whose check the verify queue refused for the sender\'s fault, its write kept', async () => {
    const sqs = new SQSClient(aws.clientConfig('sqs'));
    injectSqsBatchFaults(sqs, { refuse: (body) => /"id":"v2"/.test(body), senderFault: true });
    pipeline = await startPipeline(aws, config(), { redisUrl: redis?.url, verifyQueue: true, sqs, maxReceiveCount: 3 });
    await pipeline.poller.stop();

    const response = await invoke([message(edit('video', 'v1', 1), Date.now()), message(edit('video', 'v2', 1), Date.now())]);

    expect(response.batchItemFailures).toEqual([]);
    const letters = await pipeline.deadLetters();
    expect(letters.map((letter) => JSON.parse(letter.body).id)).toEqual(['v2']);
    expect(letters[0]?.reason).toMatch(/^(Error: )?handled, but its check could not be scheduled: the verify queue refused the check: KMS\.AccessDeniedException/);
    expect(letters[0]?.attributes).toMatchObject({ type: 'video', id: 'v2', receiveCount: '1' });
    expect(await pipeline.read('video', 'v2')).toMatchObject({ version: 1 });
  });

  it('schedules a redelivered change\'s check its settle delay after this receive, not after the first', async () => {
    pipeline = await startPipeline(aws, config(), { redisUrl: redis?.url, verifyQueue: true });
    await pipeline.poller.stop();
    const again = { ...message(edit('video', 'v1', 1), Date.now() - PAST_MS), Attributes: { ApproximateReceiveCount: '2', SentTimestamp: String(Date.now() - PAST_MS) } };
    const before = Date.now();

    await invoke([again]);

    const [check] = await drainChecks(1);
    expect(check?.['checkAfter']).toBeGreaterThanOrEqual(before + SETTLE.video * 1000);
  });

  it('dead-letters now, with its reason, a change whose check was refused when a listener\'s derived change of it was dead-lettered', async () => {
    const sqs = new SQSClient(aws.clientConfig('sqs'));
    injectSqsBatchFaults(sqs, { refuse: (body) => /"type":"video"/.test(body) });
    const type = (name: string) => ({ name, source: cmsSource(cms), transform: (doc: Record<string, unknown>) => ({ title: String(doc['title']) }), version: (doc: Record<string, unknown>) => doc['version'] as number });
    const broken = () => {
      throw new Error('broken mapping');
    };
    const listening = defineConfig({
      ...(store === 'redis' ? { store: { type: 'redis' as const, keyPrefix: `listening${sequence}:` } } : {}),
      types: [type('video'), { ...type('card'), listensTo: { video: broken } }],
    });
    pipeline = await startPipeline(aws, listening, { redisUrl: redis?.url, verifyQueue: true, sqs, maxReceiveCount: 5 });
    await pipeline.poller.stop();

    const response = await invoke([message(edit('video', 'v1', 1), Date.now())]);

    expect(response.batchItemFailures).toEqual([]);
    const reasons = (await pipeline.deadLetters()).map((letter) => letter.reason);
    expect(reasons).toHaveLength(2);
    expect(reasons.filter((reason) => /handled, but its check could not be scheduled/.test(reason))).toHaveLength(1);
    expect(await pipeline.read('video', 'v1')).toMatchObject({ version: 1 });
  });

  it('applies and checks every published change when a SendMessageBatch call fails whole, SQS redelivering the batch', async () => {
    const sqs = new SQSClient({ ...aws.clientConfig('sqs'), maxAttempts: 1 });
    const faults = injectSqsBatchFaults(sqs, { failCalls: 1 });
    pipeline = await startPipeline(aws, config({ video: 0, article: 1 }), { redisUrl: redis?.url, verifyQueue: true, sqs, batchSize: 10, concurrency: 1 });

    await pipeline.publish(edit('video', 'v1', 1), edit('article', 'a1', 1));

    const checks = await drainChecks(2);
    expect(faults.stats.failedCalls).toBe(1);
    expect(resources(checks)).toEqual(['article/a1', 'video/v1']);
    expect(await pipeline.read('article', 'a1')).toMatchObject({ version: 1 });
    expect(await pipeline.deadLetters()).toEqual([]);
  });
});
