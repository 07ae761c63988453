import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/core/errors.ts';
import { failureFate } from '../../../lambdas/handlers/redelivery.ts';

const delivery = (receiveCount: number) => ({ attributes: { ApproximateReceiveCount: String(receiveCount) } }) as unknown as SQSRecord;

describe('the dead-letter-on-last-delivery rule of apply and verify', () => {
  it('lets SQS redeliver a retryable failure before its last delivery', () => {
    expect(failureFate(delivery(2), new SourceError('answered 503', { retryable: true }), 5)).toMatchObject({ action: 'redeliver', receiveCount: 2 });
  });

  it('dead-letters a retryable failure on its last delivery, saying it gave up', () => {
    const fate = failureFate(delivery(5), new SourceError('answered 503', { retryable: true }), 5);

    expect(fate).toMatchObject({ action: 'dead-letter', receiveCount: 5 });
    expect(fate.reason).toMatch(/^gave up after 5 deliveries: SourceError: .*503/);
  });

  it('dead-letters at once a failure that can never succeed, unless the caller knows better', () => {
    const refused = new SourceError('answered 401', { retryable: false });

    expect(failureFate(delivery(1), refused, 5).action).toBe('dead-letter');
    expect(failureFate(delivery(1), refused, 5, true).action).toBe('redeliver');
  });
});
