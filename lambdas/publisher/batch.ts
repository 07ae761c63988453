/**
 * What one SNS PublishBatch call takes, and how events are split into such calls.
 */
import type { ChangeEvent } from '../core/events.ts';

/** Entries per PublishBatch call. */
export const BATCH_ENTRIES = 10;
/** Bytes of messages and attributes per PublishBatch call (and per single Publish). */
export const BATCH_BYTES = 256 * 1024;

/** An event with its position among those given and its SNS message. */
export interface Entry {
  event: ChangeEvent;
  index: number;
  message: { Message: string; MessageAttributes: Record<string, { DataType: string; StringValue: string }> };
}

/** What an entry counts against a call's 256 KiB: its message and its `type` attribute. */
export function entryBytes(entry: Pick<Entry, 'event' | 'message'>): number {
  return Buffer.byteLength(entry.message.Message) + 'type'.length + 'String'.length + Buffer.byteLength(entry.event.type);
}

/** Splits entries into PublishBatch calls, in order. */
export function batches<T extends Pick<Entry, 'event' | 'message'>>(entries: readonly T[]): T[][] {
  const calls: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entryBytes(entry);
    if (current.length > 0 && (current.length === BATCH_ENTRIES || bytes + size > BATCH_BYTES)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/** The SNS message of an event: its JSON, with the `type` attribute subscriptions filter on. */
export function toMessage(event: ChangeEvent): Entry['message'] {
  return {
    Message: JSON.stringify(event),
    MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
  };
}
