/**
 * Any OpenAI-compatible embeddings endpoint: `POST {url}/embeddings` with
 * `{ input: string[], model, dimensions? }` (`dimensions` as `sendsDimensions` decides), answered `{ data: [{ index, embedding }] }`. The key
 * (`Authorization: Bearer …`) comes from Secrets Manager or an environment variable; 429 and 5xx
 * are retried with backoff, full jitter and `Retry-After`.
 */
import { OPENAI_MAX_BATCH, sendsDimensions, type EmbedConfig } from '../../core/config/embed.ts';
import { EmbeddingError } from '../../core/embed/errors.ts';
import { describeError } from '../../core/errors.ts';
import type { Embedder } from '../../core/embed/ports.ts';
import { HttpAuth, type HttpAuthDeps } from '../sources/http-auth.ts';
import { parseRetryAfter, withRetries, type BackoffOptions } from '../sources/retry.ts';
import { httpEmbeddingError, malformedAnswer, toVector, unansweredError } from './errors.ts';

type OpenAiProvider = Extract<EmbedConfig['provider'], { kind: 'openai' }>;

export interface OpenAiEmbedderOptions {
  provider: OpenAiProvider;
  dimensions: number;
  auth?: HttpAuthDeps;
  fetch?: typeof globalThis.fetch;
  backoff?: BackoffOptions;
  /** Retries of a 429, 5xx or timeout. @default 4 */
  retries?: number;
  /** @default 30000 */
  timeoutMs?: number;
}

/** Embeddings from an OpenAI-compatible endpoint. */
export class OpenAiEmbedder implements Embedder {
  readonly maxBatch = OPENAI_MAX_BATCH;
  readonly #options: OpenAiEmbedderOptions;
  readonly #auth: HttpAuth;
  readonly #fetch: typeof globalThis.fetch;
  readonly #url: string;
  readonly #name: string;

  constructor(options: OpenAiEmbedderOptions) {
    this.#options = options;
    this.#auth = new HttpAuth({ header: 'Authorization', prefix: 'Bearer ', ...options.provider.apiKey }, options.auth);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#url = `${options.provider.url.replace(/\/+$/, '')}/embeddings`;
    this.#name = `openai ${options.provider.model}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    return withRetries(() => this.#once(texts, signal), {
      ...this.#options.backoff,
      retries: this.#options.retries ?? 4,
      signal,
      retried: EmbeddingError,
    });
  }

  async #once(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const { provider } = this.#options;
    const body = JSON.stringify({ input: texts, model: provider.model, ...(sendsDimensions(provider) ? { dimensions: this.#options.dimensions } : {}), encoding_format: 'float' });
    const timeout = AbortSignal.timeout(this.#options.timeoutMs ?? 30_000);
    // A key that cannot be read (a missing secret or variable) fails every call alike: widespread, never one text's fault.
    const auth = await this.#auth.headers().catch((error: unknown) => {
      throw new EmbeddingError(`${this.#name}: cannot read the API key: ${describeError(error)}`, { retryable: true, widespread: true, cause: error });
    });
    let response: Response;
    try {
      const headers = { 'content-type': 'application/json', accept: 'application/json', ...auth };
      response = await this.#fetch(this.#url, { method: 'POST', headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw unansweredError(this.#name, error);
    }
    if (!response.ok) {
      if (response.status === 401 || response.status === 403) this.#auth.invalidate();
      const detail = await response.text().catch(() => '');
      throw httpEmbeddingError(this.#name, response.status, detail, parseRetryAfter(response.headers.get('retry-after')));
    }
    return this.#vectors(await response.json().catch(() => undefined), texts.length);
  }

  #vectors(answer: unknown, count: number): Float32Array[] {
    const data = (answer as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data) || data.length !== count) throw malformedAnswer(this.#name, `no data list of ${count} embeddings`);
    const vectors: Float32Array[] = new Array(count);
    data.forEach((entry: { index?: unknown; embedding?: unknown }, position) => {
      const index = typeof entry?.index === 'number' ? entry.index : position;
      const vector = toVector(entry?.embedding);
      if (!vector || index < 0 || index >= count) throw malformedAnswer(this.#name, 'an embedding that is not a list of numbers');
      vectors[index] = vector;
    });
    return vectors;
  }
}
