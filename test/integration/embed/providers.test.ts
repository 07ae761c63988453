/**
 * The HTTP providers against a local server speaking their documented shapes: an OpenAI-compatible
 * endpoint over fetch, and Bedrock's InvokeModel through the real AWS SDK with an endpoint override.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig, type EmbedConfig } from '../../../lambdas/core/config/index.ts';
import { embedTexts } from '../../../lambdas/core/embed/embed.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { BedrockEmbedder, createEmbedder } from '../../../lambdas/adapters/embedders/index.ts';
import { MemoryEmbeddingCache } from '../../support/memory/index.ts';
import { OPENAI_FIXED_DIMENSIONS, startEmbeddingServer, type EmbeddingServer } from '../../support/embedding-server.ts';

const fast = { baseMs: 1, capMs: 5 };

function embedConfig(embed: Record<string, unknown>): EmbedConfig {
  const config = validateConfig({
    types: [{ name: 'video', source: { type: 'jsonl', path: '/dev/null' }, transform: (doc: SourceDoc) => doc, version: () => 1, embed: { text: (doc: SourceDoc) => String(doc['title']), ...embed } }],
  });
  return config.types[0]?.embed as EmbedConfig;
}

let server: EmbeddingServer;
beforeAll(async () => {
  server = await startEmbeddingServer();
});
afterAll(async () => server?.stop());
beforeEach(() => {
  server.requests.length = 0;
});

describe('OpenAI-compatible provider', () => {
  const config = () => embedConfig({ provider: { kind: 'openai', url: `${server.url}/v1`, model: 'text-embedding-3-small', apiKey: { env: 'EMBED_KEY' } }, dimensions: 32, batchSize: 100 });
  const openai = (embed = config()) => createEmbedder(embed, { auth: { env: { EMBED_KEY: 'sk-test' } }, backoff: fast });

  it('sends distinct uncached texts in batches of batchSize with the model, dimensions and key', async () => {
    const embed = config();
    const texts = Array.from({ length: 250 }, (_, i) => `movie ${i}`);

    const { results } = await embedTexts({ config: embed, embedder: openai(embed), cache: new MemoryEmbeddingCache() }, [...texts, ...texts.slice(0, 10)]);

    expect(server.requests.map((request) => (request.body['input'] as string[]).length)).toEqual([100, 100, 50]);
    expect(server.requests[0]?.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 32 });
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer sk-test');
    expect(results.every((result) => 'vector' in result && result.vector.length === 32)).toBe(true);
  });

  it('sends no dimensions when the config turns them off, so a model of one length (text-embedding-ada-002) takes the request', async () => {
    const fixed = (dimensions: number) =>
      embedConfig({ provider: { kind: 'openai', url: `${server.url}/v1`, model: 'text-embedding-ada-002', apiKey: { env: 'EMBED_KEY' }, sendDimensions: false }, dimensions });
    const embed = fixed(OPENAI_FIXED_DIMENSIONS);

    const { results } = await embedTexts({ config: embed, embedder: openai(embed), cache: new MemoryEmbeddingCache() }, ['a movie']);

    expect(server.requests[0]?.body).not.toHaveProperty('dimensions');
    expect(results).toEqual([{ vector: expect.any(Float32Array) }]);
    expect((results[0] as { vector: Float32Array }).vector).toHaveLength(OPENAI_FIXED_DIMENSIONS);
  });

  it('says how to fix a config whose dimensions the model does not answer when it sends none', async () => {
    const embed = embedConfig({ provider: { kind: 'openai', url: `${server.url}/v1`, model: 'text-embedding-ada-002', apiKey: { env: 'EMBED_KEY' }, sendDimensions: false }, dimensions: 32 });

    const { results } = await embedTexts({ config: embed, embedder: openai(embed), cache: new MemoryEmbeddingCache() }, ['a movie']);

    const error = (results[0] as { error: Error }).error;
    expect(error).toMatchObject({ name: 'EmbeddingError', widespread: true });
    expect(error.message).toMatch(/answered a vector of 1536 dimensions, the config says 32 \(remove provider\.sendDimensions: false to ask the model for 32, or set dimensions: 1536\)/);
  });

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    server.failNext({ status: 429, headers: { 'retry-after': '0' } }, { status: 503 });

    const vectors = await openai().embed(['a', 'b']);

    expect(server.requests).toHaveLength(3);
    expect(vectors).toHaveLength(2);
  });

  it('gives up on a 429 whose Retry-After is longer than it may wait, retryable', async () => {
    server.failNext({ status: 429, headers: { 'retry-after': '3600' } });

    const failure = await openai().embed(['a']).catch((error: unknown) => error);

    expect(server.requests).toHaveLength(1);
    expect(failure).toMatchObject({ name: 'EmbeddingError', retryable: true });
  });

  it('refuses a 400 for good, with the server\'s reason', async () => {
    server.failNext({ status: 400, body: { error: { message: 'input too long' } } });

    const failure = await openai().embed(['a']).catch((error: unknown) => error);

    expect(server.requests).toHaveLength(1);
    expect(failure).toMatchObject({ retryable: false });
    expect(String((failure as Error).message)).toContain('input too long');
  });
});

describe('Bedrock provider through the AWS SDK', () => {
  const client = () => new BedrockRuntimeClient({ endpoint: server.h2url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

  it('embeds with Titan V2 one text per InvokeModel call, at the configured dimensions', async () => {
    const embed = embedConfig({ provider: { kind: 'bedrock', model: 'amazon.titan-embed-text-v2:0' }, dimensions: 256 });
    const embedder = new BedrockEmbedder({ provider: embed.provider as never, dimensions: 256, client: client(), backoff: fast });

    const { results } = await embedTexts({ config: embed, embedder, cache: new MemoryEmbeddingCache() }, ['one', 'two', 'three']);

    expect(server.requests.map((request) => request.path)).toEqual(Array(3).fill('/model/amazon.titan-embed-text-v2%3A0/invoke'));
    expect(server.requests.map((request) => request.body['inputText']).sort()).toEqual(['one', 'three', 'two']);
    expect(server.requests[0]?.body).toMatchObject({ dimensions: 256, normalize: true });
    expect(results.every((result) => 'vector' in result && result.vector.length === 256)).toBe(true);
  });

  it('sends Cohere up to 96 texts per call', async () => {
    const embed = embedConfig({ provider: { kind: 'bedrock', model: 'cohere.embed-english-v3' }, dimensions: 1024, batchSize: 200 });
    const embedder = new BedrockEmbedder({ provider: embed.provider as never, dimensions: 1024, client: client(), backoff: fast });

    await embedTexts({ config: embed, embedder, cache: new MemoryEmbeddingCache() }, Array.from({ length: 100 }, (_, i) => `text ${i}`));

    expect(server.requests.map((request) => (request.body['texts'] as string[]).length)).toEqual([96, 4]);
    expect(server.requests[0]?.body).toMatchObject({ input_type: 'search_document' });
  });

  it('retries a ThrottlingException and refuses a ValidationException for good', async () => {
    const embed = embedConfig({ provider: { kind: 'bedrock', model: 'amazon.titan-embed-text-v2:0' }, dimensions: 256 });
    const embedder = new BedrockEmbedder({ provider: embed.provider as never, dimensions: 256, client: client(), backoff: fast });
    server.failNext({ status: 429, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: { message: 'Too many requests' } });
    const throttled = await embedder.embed(['a']);
    server.failNext({ status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: { message: 'Malformed input request' } });

    const refused = await embedder.embed(['b']).catch((error: unknown) => error);

    expect(throttled).toHaveLength(1);
    expect(refused).toMatchObject({ name: 'EmbeddingError', retryable: false });
    expect(String((refused as Error).message)).toContain('ValidationException');
  });
});
