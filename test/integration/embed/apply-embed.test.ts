/**
 * The embed step on the apply path, through the real apply handler, SQS and its dead-letter queue,
 * with an OpenAI-shaped provider on a local server: the record is written with its vector, an edit
 * that leaves the text alone calls no provider, and an embedding refused for good dead-letters the
 * change with the provider's reason while the stored record stays as it was.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startEmbeddingServer, type EmbeddingServer } from '../../support/embedding-server.ts';
import { startPipeline, type Pipeline } from '../../support/pipeline.ts';

/** Powertools metrics that sum what they are given, by `type` dimension and metric name. */
class SummedMetrics extends Metrics {
  readonly sums = new Map<string, number>();
  #type = '';
  override addDimension(name: string, value: string): this {
    if (name === 'type') this.#type = value;
    return super.addDimension(name, value);
  }
  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    const [name, , value] = args;
    const key = `${this.#type}/${name}`;
    this.sums.set(key, (this.sums.get(key) ?? 0) + value);
    return super.addMetric(...args);
  }
}

const movie = (id: string, version: number, title: string, rating = 5): ChangeEvent => ({ type: 'movie', id, op: 'upsert', version, doc: { id, version, title, rating } });

describe('embedding on the apply path', () => {
  let aws: AwsTestEnv;
  let server: EmbeddingServer;
  let pipeline: Pipeline;
  let metrics: SummedMetrics;

  beforeAll(async () => {
    aws = await startAws();
    server = await startEmbeddingServer();
  });
  afterAll(async () => {
    await server?.stop();
    await aws?.stop();
  });
  beforeEach(async () => {
    await pipeline?.stop();
    server.requests.length = 0;
    const config = defineConfig({
      types: [
        {
          name: 'movie',
          source: { type: 'jsonl', path: '/dev/null' },
          transform: (doc) => ({ title: doc['title'], rating: doc['rating'] }),
          version: (doc) => doc['version'] as number,
          embed: { text: (doc) => String(doc['title']), provider: { kind: 'openai', url: `${server.url}/v1`, model: 'm', apiKey: { env: 'KEY' } }, dimensions: 16 },
        },
      ],
    });
    metrics = new SummedMetrics({ namespace: 'test', serviceName: 'test-apply' });
    pipeline = await startPipeline(aws, config, { maxReceiveCount: 1, metrics, embedderDeps: { auth: { env: { KEY: 'k' } }, backoff: { baseMs: 1, capMs: 5 } } });
  });
  afterAll(async () => pipeline?.stop());

  it('writes the record with the vector of its text', async () => {
    await pipeline.publish(movie('m1', 1, 'Alien'));

    await pipeline.until(async () => (await pipeline.read('movie', 'm1')) !== undefined);

    const stored = await pipeline.read('movie', 'm1');
    expect(stored?.vector).toHaveLength(16);
    expect(server.requests.map((request) => request.body['input'])).toEqual([['Alien']]);
  });

  it('publishes what the embed step did: texts, cache hits, texts computed, provider calls and failures, by type', async () => {
    await pipeline.publish(movie('m1', 1, 'Alien'));
    await pipeline.until(async () => (await pipeline.read('movie', 'm1'))?.version === 1);
    await pipeline.publish(movie('m1', 2, 'Alien', 9));
    await pipeline.until(async () => (await pipeline.read('movie', 'm1'))?.version === 2);
    server.failNext({ status: 400, body: { error: { message: 'refused' } } });
    await pipeline.publish(movie('m2', 1, 'Heat'));
    await pipeline.until(async () => (await pipeline.deadLetters()).length > 0, 10_000);

    const sum = (name: string) => metrics.sums.get(`movie/Apply${name}`);
    expect([sum('EmbedTexts'), sum('EmbedCacheHits'), sum('EmbedComputed'), sum('EmbedProviderCalls'), sum('EmbedFailures')]).toEqual([3, 1, 1, 2, 1]);
  });

  it('re-embeds nothing for an edit that leaves the text alone', async () => {
    await pipeline.publish(movie('m1', 1, 'Alien'));
    await pipeline.until(async () => (await pipeline.read('movie', 'm1'))?.version === 1);
    const first = await pipeline.read('movie', 'm1');

    await pipeline.publish(movie('m1', 2, 'Alien', 9));
    await pipeline.until(async () => (await pipeline.read('movie', 'm1'))?.version === 2);

    expect(server.requests).toHaveLength(1);
    expect((await pipeline.read('movie', 'm1'))?.vector).toEqual(first?.vector);
  });

  it('dead-letters a change whose embedding is refused for good, with the reason, and keeps the stored record', async () => {
    await pipeline.publish(movie('m1', 1, 'Alien'));
    await pipeline.until(async () => (await pipeline.read('movie', 'm1'))?.version === 1);
    const before = await pipeline.read('movie', 'm1');
    server.failNext({ status: 400, body: { error: { message: 'input contains forbidden tokens' } } });

    await pipeline.publish(movie('m1', 2, 'Aliens'));
    let letters: Awaited<ReturnType<Pipeline['deadLetters']>> = [];
    await pipeline.until(async () => (letters = [...letters, ...(await pipeline.deadLetters())]).length > 0, 10_000);

    expect(letters[0]?.reason).toContain('input contains forbidden tokens');
    expect(await pipeline.read('movie', 'm1')).toMatchObject({ version: 1, hash: before?.hash, vector: before?.vector });
  });
});
