/**
 * A small typed helper for a TypeScript CMS to publish freshindex change events.
 *
 * @example
 * import { SNSClient } from '@aws-sdk/client-sns';
 * import { ChangePublisher } from 'freshindex/publisher';
 *
 * const publisher = new ChangePublisher({ sns: new SNSClient({}), topicArn: process.env.CHANGE_TOPIC_ARN! });
 * await publisher.upsert('video', 'v-42', { version: 17, doc: videoDocument });
 * await publisher.delete('video', 'v-41', { version: 18 });
 */
import { PublishBatchCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { parseChangeEvent, type ChangeEvent } from '../core/events.ts';

export type { ChangeEvent } from '../core/events.ts';
export { changeEventJsonSchema } from '../core/events.ts';

export interface ChangePublisherOptions {
  sns: SNSClient;
  /** The change topic's ARN (a stack output of the freshindex deployment). */
  topicArn: string;
  /** The clock stamping `occurredAt` when the caller gives none. @default Date.now */
  now?: () => number;
}

/** A batch entry that SNS refused. */
export interface PublishFailure {
  event: ChangeEvent;
  /** Its position in the events given to `publishMany`. */
  index: number;
  code: string;
  message: string;
}

/**
 * Publishes change events to the change topic, validated against the contract first (a bad event
 * throws here, in the CMS, rather than ending in the dead-letter queue), with the `type` message
 * attribute that subscriptions filter on.
 */
export class ChangePublisher {
  readonly #options: ChangePublisherOptions;

  constructor(options: ChangePublisherOptions) {
    this.#options = options;
  }

  /** Announces an upsert. Without `doc`, freshindex reads the document from the source. */
  upsert(type: string, id: string, options: { version?: number | string; doc?: Record<string, unknown>; occurredAt?: Date } = {}): Promise<void> {
    return this.publish({ type, id, op: 'upsert', ...this.#common(options), ...(options.doc ? { doc: options.doc } : {}) });
  }

  /**
   * Announces a delete. Give the version of the deletion: a late, older upsert then cannot
   * resurrect it. A version that is not one throws here: a delete is never sent with it.
   */
  delete(type: string, id: string, options: { version?: number | string; occurredAt?: Date } = {}): Promise<void> {
    return this.publish({ type, id, op: 'delete', ...this.#common(options) });
  }

  /**
   * Publishes one event. Throws `InvalidChangeError`, sending nothing, if it breaks the contract:
   * a missing field, or a `version` that is not a non-negative safe integer, a decimal string of
   * one, or an RFC 3339 date-time with offset (see docs/change-events.md).
   */
  async publish(event: ChangeEvent): Promise<void> {
    const valid = parseChangeEvent(event);
    await this.#options.sns.send(new PublishCommand({ TopicArn: this.#options.topicArn, ...message(valid) }));
  }

  /**
   * Publishes many events, 10 per SNS call (fewer when they would pass the 256 KiB a PublishBatch
   * takes). Returns the events SNS refused (the very objects given, to retry them); throws before
   * sending anything if one breaks the contract.
   */
  async publishMany(events: readonly ChangeEvent[]): Promise<PublishFailure[]> {
    const entries = events.map((event, index) => ({ event, index, message: message(parseChangeEvent(event)) }));
    const failures: PublishFailure[] = [];
    for (const chunk of batches(entries)) {
      const response = await this.#options.sns.send(
        new PublishBatchCommand({
          TopicArn: this.#options.topicArn,
          PublishBatchRequestEntries: chunk.map((entry, index) => ({ Id: String(index), ...entry.message })),
        }),
      );
      for (const failed of response.Failed ?? []) {
        const entry = chunk[Number(failed.Id)] as Entry;
        failures.push({ event: entry.event, index: entry.index, code: failed.Code ?? 'Unknown', message: failed.Message ?? '' });
      }
    }
    return failures;
  }

  #common(options: { version?: number | string; occurredAt?: Date }) {
    const occurredAt = options.occurredAt ?? new Date((this.#options.now ?? Date.now)());
    return { ...(options.version === undefined ? {} : { version: options.version }), occurredAt: occurredAt.toISOString() };
  }
}

/** What one PublishBatch call takes: 10 entries, 256 KiB of messages and attributes in all. */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 256 * 1024;

type Entry = { event: ChangeEvent; index: number; message: ReturnType<typeof message> };

function entryBytes(entry: Entry): number {
  return Buffer.byteLength(entry.message.Message) + 'type'.length + 'String'.length + Buffer.byteLength(entry.event.type);
}

/** Splits entries into PublishBatch calls, in order. */
function batches(entries: readonly Entry[]): Entry[][] {
  const calls: Entry[][] = [];
  let current: Entry[] = [];
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

function message(event: ChangeEvent) {
  return {
    Message: JSON.stringify(event),
    MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
  };
}
