import type { SQSRecord } from 'aws-lambda';
import { describeError, isRetryable } from '../core/errors.ts';

/**
 * What becomes of a message whose processing failed, for apply and verify alike: a failure that
 * can never succeed, or one on the message's last delivery (the queue's maxReceiveCount), is
 * dead-lettered by the handler itself with its reason; any other is redelivered by SQS.
 */
export type FailureFate =
  | { action: 'dead-letter'; reason: string; receiveCount: number }
  | { action: 'redeliver'; reason: string; receiveCount: number };

/**
 * Decides a failed message's fate (see {@link FailureFate}). `redeliverable` says whether another
 * delivery could succeed: by default the error's own `retryable`; the apply path passes `true`,
 * since the core already turned what can never apply into a rejection.
 */
export function failureFate(record: SQSRecord, error: unknown, maxReceiveCount: number, redeliverable = isRetryable(error)): FailureFate {
  const reason = describeError(error);
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
  if (!redeliverable) return { action: 'dead-letter', reason, receiveCount };
  if (receiveCount >= maxReceiveCount) return { action: 'dead-letter', reason: `gave up after ${receiveCount} deliveries: ${reason}`, receiveCount };
  return { action: 'redeliver', reason, receiveCount };
}
