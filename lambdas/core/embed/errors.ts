import { FreshindexError } from '../errors.ts';

/**
 * An embedding provider failed. `retryable` tells a rate limit, 5xx or timeout that outlived the
 * adapter's retries (the change is redelivered) from a refusal another try cannot fix (a bad
 * request, a text the model rejects, a wrong dimension: the change is dead-lettered with this
 * message). `widespread` marks a refusal of every call (credentials, access denied, no such model).
 */
export class EmbeddingError extends FreshindexError {
  override readonly retryable: boolean;
  override readonly widespread: boolean;
  override readonly status = 502;
  constructor(message: string, options: { retryable: boolean; widespread?: boolean; cause?: unknown; context?: Record<string, unknown> }) {
    super(message, options);
    this.name = 'EmbeddingError';
    this.widespread = options.widespread ?? false;
    this.retryable = options.retryable || this.widespread;
  }
}
