import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMovieCms, type MovieChangeEvent, type MovieCms } from '../../../lambdas/local/demo/movie-cms.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { createQueuePair, type QueuePair } from './sqs-helpers.ts';

describe('the demo movie CMS', () => {
  let aws: AwsTestEnv;
  let cms: MovieCms;
  let queue: QueuePair;

  beforeAll(async () => {
    aws = await startAws();
    const topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: `changes-${randomUUID().slice(0, 8)}` }))).TopicArn as string;
    queue = await createQueuePair(aws.sqs, { visibilityTimeoutSeconds: 30 });
    await aws.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes: { RawMessageDelivery: 'true' } }));
    cms = await startMovieCms({ sns: aws.sns, topicArn, onError: () => {} });
  });
  afterAll(async () => {
    await cms.close();
    await aws.stop();
  });

  const getJson = async (path: string) => {
    const response = await fetch(`${cms.url}${path}`);
    return { status: response.status, body: response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>) };
  };
  const receiveEvents = async (): Promise<{ event: MovieChangeEvent; type?: string }[]> => {
    const output = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ['All'] }));
    return (output.Messages ?? []).map((message) => ({
      event: JSON.parse(message.Body ?? '{}') as MovieChangeEvent,
      type: message.MessageAttributes?.['type']?.StringValue,
    }));
  };

  it('serves one movie by id', async () => {
    const { status, body } = await getJson('/movies/the-land-girls-1998');
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'the-land-girls-1998', Title: 'The Land Girls', revision: 1 });
  });

  it('answers 404 for an unknown movie', async () => {
    expect((await getJson('/movies/no-such-movie')).status).toBe(404);
  });

  it('serves the known movies of a batch of ids', async () => {
    const { body } = await getJson('/movies?ids=the-land-girls-1998,no-such-movie,gone-with-the-wind-1939');
    expect((body?.['items'] as { id: string }[]).map((item) => item.id)).toEqual(['the-land-girls-1998', 'gone-with-the-wind-1939']);
  });

  it('pages through every movie exactly once across parallel segments', async () => {
    // Prepare
    const seen: string[] = [];
    const totals = new Set<unknown>();
    // Act
    for (let segment = 0; segment < 3; segment += 1) {
      let cursor = '';
      for (;;) {
        const { body } = await getJson(`/movies?cursor=${encodeURIComponent(cursor)}&segment=${segment}&segments=3&limit=400`);
        seen.push(...(body?.['items'] as { id: string }[]).map((item) => item.id));
        totals.add(body?.['total']);
        if (typeof body?.['next'] !== 'string') break;
        cursor = body['next'];
      }
    }
    // Assess
    expect(seen).toHaveLength(cms.catalog.size);
    expect(new Set(seen).size).toBe(cms.catalog.size);
    expect([...totals]).toEqual([cms.catalog.size]);
  });

  it('saves an edit with a newer version and publishes its change event with the type attribute', async () => {
    // Prepare
    const before = (await getJson('/movies/gone-with-the-wind-1939')).body as { updatedAt: number };
    // Act
    const response = await fetch(`${cms.url}/movies/gone-with-the-wind-1939`, { method: 'PATCH', body: JSON.stringify({ 'IMDB Rating': 9.9, updatedAt: 1 }) });
    const saved = (await response.json()) as { updatedAt: number; revision: number; 'IMDB Rating': number };
    const events = await receiveEvents();
    // Assess
    expect(saved).toMatchObject({ 'IMDB Rating': 9.9, revision: 2 });
    expect(saved.updatedAt).toBeGreaterThan(before.updatedAt);
    expect(events).toEqual([{ type: 'movie', event: { type: 'movie', id: 'gone-with-the-wind-1939', op: 'upsert', version: saved.updatedAt, occurredAt: expect.any(String) } }]);
  });

  it('deletes a movie and publishes a delete event', async () => {
    // Act
    const response = await fetch(`${cms.url}/movies/the-land-girls-1998`, { method: 'DELETE' });
    const events = await receiveEvents();
    // Assess
    expect(response.status).toBe(204);
    expect((await getJson('/movies/the-land-girls-1998')).status).toBe(404);
    expect(events.map(({ event }) => [event.id, event.op])).toEqual([['the-land-girls-1998', 'delete']]);
  });

  it('rejects an edit whose body is not a JSON object', async () => {
    const response = await fetch(`${cms.url}/movies/gone-with-the-wind-1939`, { method: 'PUT', body: '[1,2]' });
    expect(response.status).toBe(400);
  });
});
