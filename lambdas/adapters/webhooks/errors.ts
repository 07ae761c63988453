import { FreshindexError } from '../../core/errors.ts';

/** A webhook refused or failed a delivery; `retryable` says whether another try may succeed. */
export class WebhookError extends FreshindexError {
  override readonly retryable: boolean;
  override readonly status = 502;
  constructor(message: string, options: { retryable: boolean; cause?: unknown; context?: Record<string, unknown> }) {
    super(message, options);
    this.name = 'WebhookError';
    this.retryable = options.retryable;
  }
}
