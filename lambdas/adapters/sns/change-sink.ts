/**
 * The change topic as the relay's `ChangeSink`: the publisher's PublishBatch, 10 events a call,
 * with the `type` message attribute subscriptions filter on.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { ChangeSink, RefusedEvent } from '../../core/capture/ports.ts';
import type { ChangeEvent } from '../../core/events.ts';
import { ChangePublisher } from '../../publisher/index.ts';

/** Publishes the relay's events to `topicArn`. */
export class SnsChangeSink implements ChangeSink {
  readonly #publisher: ChangePublisher;

  constructor(options: { sns: SNSClient; topicArn: string }) {
    this.#publisher = new ChangePublisher(options);
  }

  publish(events: readonly ChangeEvent[]): Promise<RefusedEvent[]> {
    return this.#publisher.publishMany(events);
  }
}
