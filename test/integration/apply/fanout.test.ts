/**
 * Issue 14, "one event, many types", through the real apply handler on the test backend: an
 * event reaches its own type and every type that listens to it, each derived change with its own
 * version guard, outcome and dead letter.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineConfig, type FreshindexConfigInput, type ListenerMapping } from '../../../lambdas/core/config/index.ts';
import { MetricRing, RecordingMetrics, RING_PERIOD_MS } from '../../../lambdas/adapters/metrics/ring.ts';
import { dispatchChanges } from '../../../lambdas/core/dispatch.ts';
import { SourceError } from '../../../lambdas/core/errors.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { createApplyHandler } from '../../../lambdas/handlers/apply.ts';
import { createLambdaContext } from '../../../lambdas/local/lambda-context.ts';
import { toSqsEvent } from '../../../lambdas/local/sqs-event.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startPipeline, type Pipeline } from '../../support/pipeline.ts';
import { startCms, type Cms, type CmsReply } from '../../unit/sources/cms-server.ts';

/** The CMS's data: authors, and article cards that show their author's name (joined by the CMS). */
interface World {
  authors: Record<string, { id: string; version: number; name: string }>;
  cards: Record<string, { id: string; version: number; authorId: string; title: string }>;
}

function answer(world: World, url: URL): CmsReply {
  const [, collection, id] = url.pathname.split('/');
  if (collection === 'authors') return id && world.authors[id] ? { body: world.authors[id] } : { status: 404, body: {} };
  const card = (card: World['cards'][string]) => ({ ...card, authorName: world.authors[card.authorId]?.name ?? '' });
  if (id) return world.cards[id] ? { body: card(world.cards[id]) } : { status: 404, body: {} };
  return { body: { items: Object.values(world.cards).map(card) } };
}

/** Every card of the event's author, found by scanning the cards' own source. */
const cardsOfAuthor: ListenerMapping = async (event, { source }) => {
  const ids: string[] = [];
  for await (const page of source.scan({ segment: 0, totalSegments: 1 })) {
    for (const doc of page) if (doc['authorId'] === event.id) ids.push(String(doc['id']));
  }
  return ids;
};

describe('one event, many types', () => {
  let aws: AwsTestEnv;
  let cms: Cms;
  let world: World;
  let pipeline: Pipeline | undefined;
  let sequence = 0;

  const type = (name: string, collection: string, transform: (doc: SourceDoc) => Record<string, unknown>, listensTo?: Record<string, ListenerMapping>) => ({
    name,
    source: { type: 'http' as const, itemUrl: `${cms.url}/${collection}/{id}`, pageUrl: `${cms.url}/${collection}?cursor={cursor}`, retries: 0, timeoutMs: 500 },
    transform,
    version: (doc: SourceDoc) => doc['version'] as number,
    ...(listensTo ? { listensTo } : {}),
  });
  const author = () => type('author', 'authors', (doc) => ({ name: doc['name'] }));
  const card = (mapping: ListenerMapping = cardsOfAuthor) => type('article-card', 'cards', (doc) => ({ title: doc['title'], author: doc['authorName'] }), { author: mapping });
  const byline = (mapping: ListenerMapping) => type('byline', 'authors', (doc) => ({ line: `by ${String(doc['name'])}` }), { author: mapping });

  const start = async (config: FreshindexConfigInput, maxReceiveCount = 3, options: { verifyQueue?: boolean } = {}) => {
    pipeline = await startPipeline(aws, defineConfig(config), { maxReceiveCount, ...options });
    await pipeline.poller.stop(); // the handler is invoked directly: one batch per test
    return pipeline;
  };
  const invoke = async (events: ChangeEvent[], receiveCount = 1): Promise<SQSBatchResponse> => {
    const messages: Message[] = events.map((event) => ({
      MessageId: `m-${++sequence}`,
      ReceiptHandle: `r-${sequence}`,
      Body: JSON.stringify(event),
      Attributes: { ApproximateReceiveCount: String(receiveCount) },
    }));
    const context = createLambdaContext({ functionName: 'apply', timeoutMs: 3_000, region: 'us-east-1' });
    return pipeline!.handler(toSqsEvent(messages, { queueArn: 'arn:aws:sqs:us-east-1:000000000000:apply', region: 'us-east-1' }), context);
  };
  const authorEvent = (id: string, version: number): ChangeEvent => ({ type: 'author', id, op: 'upsert', version });

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCms((request) => answer(world, request.url));
  });
  beforeEach(() => {
    world = {
      authors: { a1: { id: 'a1', version: 1, name: 'Ada' }, a2: { id: 'a2', version: 1, name: 'Bob' } },
      cards: {
        c1: { id: 'c1', version: 1, authorId: 'a1', title: 'Engines' },
        c2: { id: 'c2', version: 1, authorId: 'a1', title: 'Notes' },
        c3: { id: 'c3', version: 1, authorId: 'a2', title: 'Other' },
      },
    };
  });
  afterEach(async () => {
    await pipeline?.stop();
    pipeline = undefined;
  });
  afterAll(async () => {
    await cms.close();
    await aws.stop();
  });

  it('updates the event’s own type and every card of that author from one author event', async () => {
    await start({ types: [author(), card()] });

    const response = await invoke([authorEvent('a1', 1)]);

    expect(response.batchItemFailures).toEqual([]);
    expect((await pipeline!.read('author', 'a1'))?.record).toEqual({ name: 'Ada' });
    expect((await pipeline!.read('article-card', 'c1'))?.record).toEqual({ title: 'Engines', author: 'Ada' });
    expect((await pipeline!.read('article-card', 'c2'))?.record).toEqual({ title: 'Notes', author: 'Ada' });
    expect(await pipeline!.read('article-card', 'c3')).toBeUndefined();
  });

  it('schedules a check of each derived change it applied, after its type\'s settle delay, as for any other change', async () => {
    // A settle delay of 0: the check messages are visible at once (SQS delays them by the settle delay).
    await start({ types: [author(), { ...card(), settleDelaySeconds: 0 }] }, 3, { verifyQueue: true });
    const before = Date.now();

    await invoke([authorEvent('a1', 1)]);

    const checks = await pipeline!.checks();
    expect(checks.map((check) => [check['type'], check['id'], check['trigger']]).sort()).toEqual([
      ['article-card', 'c1', 'change'],
      ['article-card', 'c2', 'change'],
    ]);
    expect(checks.every((check) => (check['checkAfter'] as number) >= before)).toBe(true);
  });

  it('counts each derived change under its own type', async () => {
    const { runtime, dlqUrl } = await start({ types: [author(), card()] });
    const ring = new MetricRing();
    const handler = createApplyHandler(defineConfig({ types: [author(), card()] }), {
      env: { FRESHINDEX_APPLY_DLQ_URL: dlqUrl },
      runtime,
      logger: new Logger({ serviceName: 'test-apply', logLevel: 'SILENT' }),
      metrics: new RecordingMetrics(ring, { namespace: 'test', serviceName: 'test-apply' }),
    });
    const messages: Message[] = [{ MessageId: 'm-metrics', ReceiptHandle: 'r', Body: JSON.stringify(authorEvent('a1', 1)), Attributes: { ApproximateReceiveCount: '1' } }];

    await handler(toSqsEvent(messages, { queueArn: 'arn:aws:sqs:us-east-1:000000000000:apply', region: 'us-east-1' }), createLambdaContext({ functionName: 'apply', timeoutMs: 3_000, region: 'us-east-1' }));

    const applied = async (type: string) => (await ring.applySeries(type, 1, Date.now())).points.reduce((sum, point) => sum + point.appliedPerSecond * (RING_PERIOD_MS / 1000), 0);
    expect([await applied('author'), await applied('article-card')]).toEqual([1, 2]);
  });

  it('rewrites a derived record whose version is unchanged when its content changed', async () => {
    await start({ types: [author(), card()] });
    await invoke([authorEvent('a1', 1)]);
    world.authors['a1'] = { id: 'a1', version: 2, name: 'Ada L.' };

    await invoke([authorEvent('a1', 2)]);

    expect(await pipeline!.read('article-card', 'c1')).toMatchObject({ version: 1, record: { title: 'Engines', author: 'Ada L.' } });
  });

  it('dead-letters the change of the type whose mapping fails, with its reason, while the other types apply', async () => {
    const broken: ListenerMapping = () => {
      throw new Error('no author index');
    };
    await start({ types: [author(), card(broken), byline((event) => [event.id])] });

    const response = await invoke([authorEvent('a1', 1)]);

    expect(response.batchItemFailures).toEqual([]);
    expect((await pipeline!.read('author', 'a1'))?.record).toEqual({ name: 'Ada' });
    expect((await pipeline!.read('byline', 'a1'))?.record).toEqual({ line: 'by Ada' });
    const letters = await pipeline!.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/^article-card\.listensTo\.author failed for "a1": .*no author index/);
    expect(JSON.parse(letters[0]?.body ?? '{}')).toMatchObject({ type: 'author', id: 'a1', listener: 'article-card' });
    // The attributes describe the body (the author event), not a card with the author's id.
    expect(letters[0]?.attributes).toMatchObject({ type: 'author', id: 'a1' });
  });

  it('re-runs only the failed listener’s mapping when its dead letter is redriven', async () => {
    let calls = 0;
    const counting: ListenerMapping = (event) => {
      calls += 1;
      return [event.id];
    };
    await start({ types: [author(), byline(counting)] });

    await invoke([{ ...authorEvent('a1', 1), listener: 'byline' }]);

    expect(calls).toBe(1);
    expect((await pipeline!.read('byline', 'a1'))?.record).toEqual({ line: 'by Ada' });
    expect(await pipeline!.read('author', 'a1')).toBeUndefined();
  });

  it('dead-letters a mapping answering something other than ids, naming what it got', async () => {
    await start({ types: [author(), byline(() => ({ id: 'a1' }) as unknown as string[])] });

    await invoke([authorEvent('a1', 1)]);

    const [letter] = await pipeline!.deadLetters();
    expect(letter?.reason).toMatch(/must return an array of ids .*got \{"id":"a1"\}/);
    expect((await pipeline!.read('author', 'a1'))?.record).toEqual({ name: 'Ada' });
  });

  it('brings the message back when a mapping fails transiently, and dead-letters that change on the last delivery', async () => {
    const flaky: ListenerMapping = () => {
      throw new SourceError('author index timed out', { retryable: true });
    };
    await start({ types: [author(), byline(flaky)] }, 3);

    const first = await invoke([authorEvent('a1', 1)], 1);
    const last = await invoke([authorEvent('a1', 1)], 3);

    expect(first.batchItemFailures).toHaveLength(1);
    expect(last.batchItemFailures).toEqual([]);
    expect((await pipeline!.read('author', 'a1'))?.record).toEqual({ name: 'Ada' });
    const letters = await pipeline!.deadLetters();
    expect(letters.map((letter) => letter.reason)).toEqual([expect.stringMatching(/^gave up after 3 deliveries: .*author index timed out/)]);
  });

  it('brings the message back when a mapping does not answer in time, applying the other types', async () => {
    const hanging: ListenerMapping = () => new Promise<string[]>(() => {});
    await start({ types: [author(), byline(hanging)] });

    const response = await invoke([authorEvent('a1', 1)]);

    expect(response.batchItemFailures).toHaveLength(1);
    expect((await pipeline!.read('author', 'a1'))?.record).toEqual({ name: 'Ada' });
    expect(await pipeline!.deadLetters()).toEqual([]);
  });

  it('dead-letters a derived change the listening type cannot transform under that type, naming it in the body', async () => {
    world.cards['c1'] = { ...world.cards['c1'], version: 'never' as unknown as number } as World['cards'][string];
    await start({ types: [author(), card()] });

    await invoke([authorEvent('a1', 1)]);

    const letters = await pipeline!.deadLetters();
    expect(letters.map((letter) => JSON.parse(letter.body))).toEqual([{ type: 'article-card', id: 'c1', op: 'upsert' }]);
    expect(letters[0]?.attributes).toMatchObject({ type: 'article-card', id: 'c1' });
    expect((await pipeline!.read('article-card', 'c2'))?.record).toEqual({ title: 'Notes', author: 'Ada' });
  });

  it('applies only the types its queue serves, so an event on two queues is applied once by each', async () => {
    const { runtime } = await start({ types: [author(), card()] });

    const outcomes = await dispatchChanges(runtime, [{ key: 'k1', change: authorEvent('a1', 1) }], { serves: new Set(['article-card']) });

    expect(outcomes.get('k1')?.map((result) => [result.change.type, result.outcome.status])).toEqual([
      ['article-card', 'applied'],
      ['article-card', 'applied'],
    ]);
    expect(await pipeline!.read('author', 'a1')).toBeUndefined();
  });

  it('dead-letters an event none of whose types its queue serves, saying how to route it', async () => {
    const { runtime } = await start({ types: [author(), card()] });

    const outcomes = await dispatchChanges(runtime, [{ key: 'k1', change: { type: 'author', id: 'a1', op: 'upsert' } }], { serves: new Set() });

    expect(outcomes.get('k1')?.map((result) => result.outcome)).toEqual([
      expect.objectContaining({ status: 'rejected', reason: expect.stringContaining('publish them with the message attribute type="author"') }),
    ]);
  });

  it('applies the listeners of a declared event that is not a type', async () => {
    await start({ events: ['author'], types: [byline((event) => [event.id])] });

    const response = await invoke([authorEvent('a2', 1)]);

    expect(response.batchItemFailures).toEqual([]);
    expect((await pipeline!.read('byline', 'a2'))?.record).toEqual({ line: 'by Bob' });
    expect(await pipeline!.deadLetters()).toEqual([]);
  });
});
