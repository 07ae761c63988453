/**
 * The change publisher: one SNS Publish per change, or PublishBatch for many at once.
 */
import { PublishBatchCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { parseChangeEvent, type ChangeEvent } from '../core/events.ts';
import { batches, toMessage, type Entry } from './batch.ts';

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
    await this.#options.sns.send(new PublishCommand({ TopicArn: this.#options.topicArn, ...toMessage(valid) }));
  }

  /**
   * Publishes many events, 10 per SNS call (fewer when they would pass the 256 KiB a PublishBatch
   * takes). Returns the events SNS refused (the very objects given, to retry them); throws before
   * sending anything if one breaks the contract.
   */
  async publishMany(events: readonly ChangeEvent[]): Promise<PublishFailure[]> {
    const entries = events.map((event, index) => ({ event, index, message: toMessage(parseChangeEvent(event)) }));
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
