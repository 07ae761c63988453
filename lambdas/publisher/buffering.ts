/**
 * A publisher that also waits a little for other changes, so that changes published one at a time
 * by a caller that awaits each in turn still leave together in SNS PublishBatch calls
 * (docs/change-events.md, "Batching").
 */
import { ChangePublisher, type ChangePublisherOptions } from './change-publisher.ts';

export interface BufferingPublisherOptions extends ChangePublisherOptions {
  /**
   * The longest a change waits for others before its batch is sent (and then, as with
   * `ChangePublisher`, until this publisher's previous partial batch answered). A batch is sent at
   * once when it holds 10 changes or the next one would take it past 256 KiB.
   * @default 20
   */
  lingerMs?: number;
}

/**
 * A {@link ChangePublisher} whose `publish` (and so `upsert` and `delete`) waits up to `lingerMs`
 * for other changes and sends them together in one PublishBatch. Each caller's promise resolves
 * only once SNS accepted its change, and rejects when SNS refused it (a `ChangeRefusedError` with
 * SNS's code) or the call failed (the SDK's error): nothing is dropped silently. A change that
 * breaks the contract is refused at once, as with `ChangePublisher`. Call `close` (or `flush`)
 * before the process ends: it sends what is waiting and settles every promise.
 *
 * @example
 * const publisher = new BufferingPublisher({ sns, topicArn, lingerMs: 20 });
 * await publisher.upsert('video', 'v-42', { version: 17, doc }); // sent with its neighbours
 * await publisher.close();
 */
export class BufferingPublisher extends ChangePublisher {
  readonly #lingerMs: number;

  constructor(options: BufferingPublisherOptions) {
    super(options);
    this.#lingerMs = options.lingerMs ?? 20;
  }

  protected override lingerMs(): number {
    return this.#lingerMs;
  }
}
