/**
 * Provider failures as the embed step's `EmbeddingError`: a rate limit, a 5xx or a timeout is
 * retryable (with the server's `Retry-After`, when it sent one), a refused credential or a missing
 * model is `widespread`, anything else the provider refused is permanent (dead-lettered).
 */
import { EmbeddingError } from '../../core/embed/errors.ts';
import { RETRY_AFTER_MS } from '../sources/retry.ts';

/** The error of an HTTP answer that was not a success. */
export function httpEmbeddingError(provider: string, status: number, detail: string, retryAfterMs: number | undefined): EmbeddingError {
  const context = { provider, status, ...(retryAfterMs === undefined ? {} : { [RETRY_AFTER_MS]: retryAfterMs }) };
  const message = `${provider} answered ${status}${detail ? `: ${detail.slice(0, 300)}` : ''}`;
  if (status === 429 || status === 408 || status >= 500) return new EmbeddingError(message, { retryable: true, context });
  if (status === 401 || status === 403 || status === 404) return new EmbeddingError(message, { retryable: false, widespread: true, context });
  return new EmbeddingError(message, { retryable: false, context });
}

/** A request that got no answer (network failure, timeout): worth another try. */
export function unansweredError(provider: string, error: unknown): EmbeddingError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new EmbeddingError(`${provider} did not answer: ${reason}`, { retryable: true, cause: error, context: { provider } });
}

/** An answer that does not have the documented shape. */
export function malformedAnswer(provider: string, what: string): EmbeddingError {
  return new EmbeddingError(`${provider} answered ${what}`, { retryable: true, context: { provider } });
}

/** Numbers as a vector, or undefined when they are not a list of numbers. */
export function toVector(value: unknown): Float32Array | undefined {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'number')) return undefined;
  return Float32Array.from(value as number[]);
}
