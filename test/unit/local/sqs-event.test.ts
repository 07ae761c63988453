import { describe, expect, it } from 'vitest';
import { eventSourceSettingsSchema } from '../../../lambdas/local/event-source.ts';
import { readBatchResponse, toSqsRecord } from '../../../lambdas/local/sqs-event.ts';

const ids = new Set(['m1', 'm2', 'm3']);

describe('readBatchResponse', () => {
  it('counts an empty answer as every record succeeded', () => {
    expect(readBatchResponse(undefined, ids, true)).toEqual({ kind: 'all-succeeded' });
  });

  it('counts an empty failure list as every record succeeded', () => {
    expect(readBatchResponse({ batchItemFailures: [] }, ids, true)).toEqual({ kind: 'all-succeeded' });
  });

  it('fails only the records the answer names', () => {
    const outcome = readBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, ids, true);
    expect(outcome).toEqual({ kind: 'partial', failed: new Set(['m2']) });
  });

  it('fails the whole batch when an identifier is not in the batch', () => {
    expect(readBatchResponse({ batchItemFailures: [{ itemIdentifier: 'other' }] }, ids, true).kind).toBe('all-failed');
  });

  it('fails the whole batch when an identifier is empty', () => {
    expect(readBatchResponse({ batchItemFailures: [{ itemIdentifier: '' }] }, ids, true).kind).toBe('all-failed');
  });

  it('fails the whole batch when the failure list is not a list', () => {
    expect(readBatchResponse({ batchItemFailures: 'm1' }, ids, true).kind).toBe('all-failed');
  });

  it('ignores reported failures when ReportBatchItemFailures is off', () => {
    expect(readBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm1' }] }, ids, false)).toEqual({ kind: 'all-succeeded' });
  });
});

describe('toSqsRecord', () => {
  it('shapes message attributes the way Lambda does', () => {
    const record = toSqsRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'r1',
        Body: '{}',
        MD5OfBody: 'md5',
        Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
        MessageAttributes: { type: { DataType: 'String', StringValue: 'movie' } },
      },
      { queueArn: 'arn:aws:sqs:us-east-1:000000000000:apply', region: 'us-east-1' },
    );
    expect(record.messageAttributes).toEqual({ type: { dataType: 'String', stringValue: 'movie', stringListValues: [], binaryListValues: [] } });
    expect(record.attributes).toMatchObject({ ApproximateReceiveCount: '2', SentTimestamp: '1700000000000', ApproximateFirstReceiveTimestamp: '1700000000000' });
  });
});

describe('eventSourceSettingsSchema', () => {
  it('rejects a batch size above 10 without a batching window of at least a second, as Lambda does', () => {
    expect(eventSourceSettingsSchema.safeParse({ batchSize: 100 }).success).toBe(false);
  });

  it('accepts a batch size of 10,000 with a batching window', () => {
    expect(eventSourceSettingsSchema.safeParse({ batchSize: 10_000, maxBatchingWindowMs: 1_000 }).success).toBe(true);
  });
});
