/**
 * Amazon Bedrock embeddings through the AWS SDK's InvokeModel: Titan Text Embeddings V2 (one text
 * per call, so a batch runs as that many calls, a few at a time) and Cohere Embed v3 (up to 96
 * texts per call). Throttling and 5xx are retried here, with backoff and full jitter (the client
 * should make one attempt per call: `maxAttempts: 1`).
 */
import { InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import pLimit from 'p-limit';
import { BEDROCK_MODELS, type EmbedConfig } from '../../core/config/embed.ts';
import { EmbeddingError } from '../../core/embed/errors.ts';
import type { Embedder } from '../../core/embed/ports.ts';
import { parseRetryAfter, RETRY_AFTER_MS, withRetries, type BackoffOptions } from '../sources/retry.ts';
import { malformedAnswer, toVector } from './errors.ts';

type BedrockProvider = Extract<EmbedConfig['provider'], { kind: 'bedrock' }>;

export interface BedrockEmbedderOptions {
  provider: BedrockProvider;
  dimensions: number;
  client: BedrockRuntimeClient;
  backoff?: BackoffOptions;
  /** Retries of a throttled or failed call. @default 4 */
  retries?: number;
  /** Titan calls in flight at once for one batch. @default 16 */
  concurrency?: number;
}

/** Titan V2 texts per `embed` call (each its own InvokeModel, `concurrency` at a time). */
const TITAN_BATCH = 200;

const RETRYABLE = new Set(['ThrottlingException', 'ServiceUnavailableException', 'InternalServerException', 'ModelTimeoutException', 'ModelNotReadyException', 'TimeoutError', 'ECONNRESET']);
const WIDESPREAD = new Set(['AccessDeniedException', 'ResourceNotFoundException', 'UnrecognizedClientException', 'ExpiredTokenException', 'InvalidSignatureException', 'CredentialsProviderError']);

/** Embeddings from a Bedrock model. */
export class BedrockEmbedder implements Embedder {
  readonly maxBatch: number;
  readonly #options: BedrockEmbedderOptions;
  readonly #titan: boolean;

  constructor(options: BedrockEmbedderOptions) {
    this.#options = options;
    this.#titan = options.provider.model.startsWith('amazon.titan');
    this.maxBatch = this.#titan ? TITAN_BATCH : BEDROCK_MODELS[options.provider.model].maxBatch;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (!this.#titan) {
      const answer = await this.#invoke({ texts, input_type: 'search_document', truncate: 'NONE' }, signal);
      const vectors = Array.isArray(answer['embeddings']) ? answer['embeddings'].map(toVector) : [];
      if (vectors.length !== texts.length || vectors.some((vector) => vector === undefined)) throw malformedAnswer(this.#name, `no embeddings list of ${texts.length} vectors`);
      return vectors as Float32Array[];
    }
    const limit = pLimit(this.#options.concurrency ?? 16);
    return Promise.all(
      texts.map((inputText) =>
        limit(async () => {
          const answer = await this.#invoke({ inputText, dimensions: this.#options.dimensions, normalize: true }, signal);
          const vector = toVector(answer['embedding']);
          if (!vector) throw malformedAnswer(this.#name, 'no embedding');
          return vector;
        }),
      ),
    );
  }

  get #name(): string {
    return `bedrock ${this.#options.provider.model}`;
  }

  async #invoke(body: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const command = new InvokeModelCommand({ modelId: this.#options.provider.model, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) });
    const once = async () => {
      try {
        const response = await this.#options.client.send(command, signal ? { abortSignal: signal } : {});
        return JSON.parse(new TextDecoder().decode(response.body)) as Record<string, unknown>;
      } catch (error) {
        if (signal?.aborted) throw error;
        throw this.#translate(error);
      }
    };
    return withRetries(once, { ...this.#options.backoff, retries: this.#options.retries ?? 4, signal, retried: EmbeddingError });
  }

  #translate(error: unknown): EmbeddingError {
    if (error instanceof SyntaxError) return malformedAnswer(this.#name, 'a body that is not JSON');
    const name = (error as { name?: string } | null)?.name ?? 'Error';
    const meta = error as { $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
    const status = meta.$metadata?.httpStatusCode;
    const retryAfterMs = parseRetryAfter(meta.$response?.headers?.['retry-after'] ?? null);
    const message = `${this.#name} failed: ${name}: ${error instanceof Error ? error.message : String(error)}`;
    const context = { provider: this.#name, ...(status ? { status } : {}), ...(retryAfterMs === undefined ? {} : { [RETRY_AFTER_MS]: retryAfterMs }) };
    if (WIDESPREAD.has(name) || status === 401 || status === 403) return new EmbeddingError(message, { retryable: false, widespread: true, cause: error, context });
    const retryable = RETRYABLE.has(name) || status === 429 || (status !== undefined && status >= 500) || status === undefined;
    return new EmbeddingError(message, { retryable, cause: error, context });
  }
}
