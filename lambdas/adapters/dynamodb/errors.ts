import { ConflictError, StoreError } from '../../core/errors.ts';

/** DynamoDB error names that say "try again later". */
const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'LimitExceededException',
  'TimeoutError',
]);

/**
 * True when a DynamoDB SDK error is worth another try: throttling, 5xx, timeouts and network
 * failures. The one classification behind both the index store's `StoreError` and the DynamoDB
 * source's `SourceError`.
 */
export function isTransientDynamoError(error: unknown): boolean {
  const details = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = details.$metadata?.httpStatusCode;
  const network =
    (typeof details.code === 'string' && /^E[A-Z]+$/.test(details.code)) ||
    (typeof details.message === 'string' && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|EPIPE/.test(details.message));
  return TRANSIENT.has(String(details.name)) || details.$retryable !== undefined || network || (status !== undefined && status >= 500);
}

/**
 * DynamoDB error names that are no one item's fault: the credentials or permissions are wrong,
 * or the table is missing. Every call fails alike until an operator fixes it.
 */
const WIDESPREAD = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ResourceNotFoundException',
]);

/** True when a DynamoDB SDK error says the whole table is out of reach (see `WIDESPREAD`). */
export function isWidespreadDynamoError(error: unknown): boolean {
  return WIDESPREAD.has(String((error as { name?: unknown } | null)?.name));
}

/** True for DynamoDB's "the condition did not hold" answer. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/**
 * Translates a DynamoDB SDK error into the domain's errors (StoreError, retryable or not;
 * `widespread` when the table is out of reach: retried by redelivery, not inside the call).
 * Errors of our own pass through untouched.
 */
export function translateDynamoError(error: unknown, operation: string, context: Record<string, unknown> = {}): Error {
  if (error instanceof StoreError || error instanceof ConflictError) return error;
  const name = (error as { name?: string } | null)?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(`DynamoDB ${operation} failed: ${name}: ${message}`, {
    cause: error,
    retryable: isTransientDynamoError(error),
    widespread: isWidespreadDynamoError(error),
    context,
  });
}
