import { ConflictError, StoreError } from '../../core/errors.ts';

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
]);

/** True for DynamoDB's "the condition did not hold" answer. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/**
 * Translates a DynamoDB SDK error into the domain's errors (StoreError, retryable or not).
 * Errors of our own pass through untouched.
 */
export function translateDynamoError(error: unknown, operation: string, context: Record<string, unknown> = {}): Error {
  if (error instanceof StoreError || error instanceof ConflictError) return error;
  const name = (error as { name?: string } | null)?.name ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const network = error instanceof Error && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|EPIPE/.test(error.message);
  const retryable = TRANSIENT.has(name) || network || (status !== undefined && status >= 500);
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(`DynamoDB ${operation} failed: ${name}: ${message}`, { cause: error, retryable, context });
}
