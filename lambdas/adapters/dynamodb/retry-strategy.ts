/**
 * The SDK retry strategy of every DynamoDB client freshindex makes (see `createDynamoClient` in
 * adapters/compose.ts, and docs/architecture.md, "Retries").
 *
 * How the SDK's standard strategy spends its retry quota (@smithy/core 3.41, "retries 2026"):
 * - each client holds 500 tokens; a retry after a 5xx or timeout costs 14, after throttling 5;
 * - a call that succeeds gives back what its last retry cost, or 1 token if it needed none
 *   (never above 500);
 * - with too few tokens left, an error is not retried: it reaches the caller after one attempt.
 *
 * A conditional write whose response was lost is retried, meets its own write and answers
 * ConditionalCheckFailed: an error, so the 14 tokens of that retry never come back. 500 tokens
 * last 35 lost responses; the 36th escapes after one attempt (test/integration/faults/
 * retry-quota.test.ts reproduces it), and the quota refills by one token per clean call only.
 * That is how a burst with 20% faults ran the quota dry and faults "escaped after one attempt".
 *
 * `AnswerRefundingRetryStrategy` keeps the standard strategy (attempts, backoff with full jitter,
 * the quota as a circuit breaker for a sustained outage) and changes one thing: an answer that
 * is a client error (400: a failed condition, a validation error) refunds the retry it ended,
 * as a success does, since the service did answer. The quota then only drains while the service
 * really fails, and what the SDK stops retrying, the applier retries itself within the Lambda's
 * remaining time (core/apply.ts).
 */
import { StandardRetryStrategy } from '@smithy/core/retry';

/** Attempts of one SDK call (the first try and two retries): the applier retries above this. */
export const DYNAMODB_MAX_ATTEMPTS = 3;

type Token = Parameters<StandardRetryStrategy['recordSuccess']>[0];
type ErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1];

/** The standard retry strategy whose quota is refunded by answers, not only by successes. */
export class AnswerRefundingRetryStrategy {
  readonly mode = 'standard';
  readonly #standard: StandardRetryStrategy;

  constructor(maxAttempts: number = DYNAMODB_MAX_ATTEMPTS) {
    this.#standard = new StandardRetryStrategy({ maxAttempts });
  }

  acquireInitialRetryToken(scope: string): Promise<Token> {
    return this.#standard.acquireInitialRetryToken(scope);
  }

  refreshRetryTokenForRetry(token: Token, errorInfo: ErrorInfo): Promise<Token> {
    if (errorInfo.errorType === 'CLIENT_ERROR') this.#standard.recordSuccess(token);
    return this.#standard.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: Token): void {
    this.#standard.recordSuccess(token);
  }

  /** Tokens left in the quota (tests, logs). */
  getCapacity(): number {
    return this.#standard.getCapacity();
  }
}
