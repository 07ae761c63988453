/**
 * The change publisher: changes published one at a time leave in SNS PublishBatch calls by group
 * commit (group-commit.ts), and `publishMany` sends many at once.
 */
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { parseChangeEvent, type ChangeEvent } from '../core/events.ts';
import { batches, toMessage, type Entry } from './batch.ts';
import { GroupCommit, type RefusedEntry } from './group-commit.ts';

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
 *
 * `publish` (and so `upsert` and `delete`) adds no wait: a change published while none of this
 * publisher's partial batches is in flight leaves at once; changes published while one is in
 * flight leave together, up to 10 per PublishBatch, as soon as it answers. A caller that awaits
 * each publish in turn sends one request per change; many concurrent callers send about a tenth
 * (docs/change-events.md, "Batching"). Every change goes as a PublishBatch entry, alone or not, so
 * a caller sees the same errors either way.
 */
export class ChangePublisher {
  readonly #options: ChangePublisherOptions;
  #batches: GroupCommit | undefined;

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
   * Publishes one event (a copy taken now: the object may be reused at once). Resolves when SNS
   * accepted it. Rejects, sending nothing, with `InvalidChangeError` if it breaks the contract (a
   * missing field, or a `version` that is not a non-negative safe integer, a decimal string of
   * one, or an RFC 3339 date-time with offset: see docs/change-events.md) and with
   * `ChangeRefusedError` (code `TooLarge`) if it is over 256 KiB. Rejects with
   * `ChangeRefusedError` and SNS's code when SNS refused its entry, and with the SDK's error when
   * the call failed.
   */
  publish(event: ChangeEvent): Promise<void> {
    return this.#groupCommit().add(event);
  }

  /** Sends what `publish` holds now and waits for every answer (before a Lambda handler returns). */
  async flush(): Promise<void> {
    await this.#batches?.flush();
  }

  /** Refuses new changes (`PublisherClosedError`), sends what is waiting and waits for every answer. */
  async close(): Promise<void> {
    await this.#groupCommit().close();
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
      for (const refused of await this.#publishBatch(chunk)) {
        const entry = chunk[refused.index] as Entry;
        failures.push({ ...refused, event: entry.event, index: entry.index });
      }
    }
    return failures;
  }

  /**
   * How long a change given to `publish` waits for others once nothing is in flight: 0 here
   * (group commit), `lingerMs` in `BufferingPublisher`.
   */
  protected lingerMs(): number {
    return 0;
  }

  /** The engine behind `publish`, made on first use (so that a subclass's `lingerMs` is set). */
  #groupCommit(): GroupCommit {
    this.#batches ??= new GroupCommit((entries) => this.#publishBatch(entries), this.lingerMs());
    return this.#batches;
  }

  /** One PublishBatch call of entries that fit it; returns the entries SNS refused. */
  async #publishBatch(entries: readonly Pick<Entry, 'message'>[]): Promise<RefusedEntry[]> {
    const response = await this.#options.sns.send(
      new PublishBatchCommand({
        TopicArn: this.#options.topicArn,
        PublishBatchRequestEntries: entries.map((entry, index) => ({ Id: String(index), ...entry.message })),
      }),
    );
    return (response.Failed ?? []).map((failed) => ({ index: Number(failed.Id), code: failed.Code ?? 'Unknown', message: failed.Message ?? '', retryable: failed.SenderFault === false }));
  }

  #common(options: { version?: number | string; occurredAt?: Date }) {
    const occurredAt = options.occurredAt ?? new Date((this.#options.now ?? Date.now)());
    return { ...(options.version === undefined ? {} : { version: options.version }), occurredAt: occurredAt.toISOString() };
  }
}
