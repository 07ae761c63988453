/**
 * The shapes Lambda's SQS event source mapping exchanges with a function: the `SQSEvent` it
 * builds from received messages, and the partial batch response it reads back.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/** Where the records come from, copied into every record as Lambda does. */
export interface RecordOrigin {
  queueArn: string;
  region: string;
}

/** Turns one received SQS message into the record Lambda hands a function. */
export function toSqsRecord(message: Message, origin: RecordOrigin): SQSRecord {
  const system = message.Attributes ?? {};
  const sentTimestamp = system['SentTimestamp'] ?? String(Date.now());
  const record: SQSRecord = {
    messageId: required(message.MessageId, 'MessageId'),
    receiptHandle: required(message.ReceiptHandle, 'ReceiptHandle'),
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system['ApproximateReceiveCount'] ?? '1',
      SentTimestamp: sentTimestamp,
      SenderId: system['SenderId'] ?? 'AIDAFRESHINDEXLOCAL',
      ApproximateFirstReceiveTimestamp: system['ApproximateFirstReceiveTimestamp'] ?? sentTimestamp,
      ...pick(system, ['AWSTraceHeader', 'SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId', 'DeadLetterQueueSourceArn']),
    },
    messageAttributes: toRecordAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: origin.queueArn,
    awsRegion: origin.region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/** Builds the event of one invocation. */
export function toSqsEvent(messages: readonly Message[], origin: RecordOrigin): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, origin)) };
}

/**
 * What a function's answer means for its batch, read the way Lambda reads it with
 * `ReportBatchItemFailures` on:
 * - nothing, `{}`, or an empty `batchItemFailures`: every record succeeded;
 * - `batchItemFailures` naming message ids of the batch: those failed, the rest succeeded;
 * - anything malformed (an identifier that is empty, not a string, or not in the batch; a list that
 *   is not a list): the whole batch failed.
 *
 * With `ReportBatchItemFailures` off, any answer means the whole batch succeeded.
 */
export type BatchOutcome = { kind: 'all-succeeded' } | { kind: 'all-failed'; reason: string } | { kind: 'partial'; failed: ReadonlySet<string> };

/** Reads a function's answer into a `BatchOutcome` (see there). */
export function readBatchResponse(response: unknown, batchIds: ReadonlySet<string>, reportBatchItemFailures: boolean): BatchOutcome {
  if (!reportBatchItemFailures || response === undefined || response === null) return { kind: 'all-succeeded' };
  if (typeof response !== 'object') return { kind: 'all-failed', reason: `function returned ${typeof response}, not a batch response` };
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'all-succeeded' };
  if (!Array.isArray(failures)) return { kind: 'all-failed', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'all-succeeded' };
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return { kind: 'all-failed', reason: `invalid itemIdentifier ${JSON.stringify(id)}` };
    if (!batchIds.has(id)) return { kind: 'all-failed', reason: `itemIdentifier "${id}" is not in the batch` };
    failed.add(id);
  }
  return { kind: 'partial', failed };
}

function toRecordAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((binary) => Buffer.from(binary).toString('base64')),
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    };
  }
  return result;
}

function pick(source: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((name) => source[name] !== undefined).map((name) => [name, source[name] as string]));
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new Error(`received an SQS message without ${what}`);
  return value;
}
