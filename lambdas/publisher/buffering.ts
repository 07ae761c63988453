/**
 * An opt-in publisher that gathers changes published one at a time into SNS PublishBatch calls:
 * up to 10 changes per request instead of one, so SNS bills about a tenth of the requests for
 * small events (docs/change-events.md, "Batching").
 */
import { parseChangeEvent, type ChangeEvent } from '../core/events.ts';
import { BATCH_BYTES, BATCH_ENTRIES, entryBytes, toMessage } from './batch.ts';
import { ChangePublisher, type ChangePublisherOptions } from './change-publisher.ts';

export interface BufferingPublisherOptions extends ChangePublisherOptions {
  /**
   * The longest a change waits for others before its batch is sent. A batch is sent at once when
   * it holds 10 changes or the next one would take it past 256 KiB.
   * @default 20
   */
  lingerMs?: number;
}

/** SNS refused a change (its PublishBatch entry failed, or it is too large to publish). */
export class ChangeRefusedError extends Error {
  override readonly name = 'ChangeRefusedError';

  constructor(
    /** The change refused (the object given, to retry it). */
    readonly event: ChangeEvent,
    /** SNS's error code for the entry, or `TooLarge`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`change ${event.type}/${event.id} refused: ${code}${message ? `: ${message}` : ''}`, options);
  }
}

/** The publisher is closed: no change is taken any more. */
export class PublisherClosedError extends Error {
  override readonly name = 'PublisherClosedError';
}

interface Pending {
  event: ChangeEvent;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A {@link ChangePublisher} whose `publish` (and so `upsert` and `delete`) waits up to `lingerMs`
 * for other changes and sends them together in one PublishBatch. Each caller's promise resolves
 * only once SNS accepted its change, and rejects when SNS refused it (a {@link ChangeRefusedError}
 * with SNS's code) or the call failed (the SDK's error): nothing is dropped silently. A change that
 * breaks the contract is refused at once, as with `ChangePublisher`. Call `close` before the
 * process ends: it sends what is waiting and settles every promise.
 *
 * @example
 * const publisher = new BufferingPublisher({ sns, topicArn, lingerMs: 20 });
 * await publisher.upsert('video', 'v-42', { version: 17, doc }); // sent with its neighbours
 * await publisher.close();
 */
export class BufferingPublisher extends ChangePublisher {
  readonly #lingerMs: number;
  #pending: Pending[] = [];
  #bytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(options: BufferingPublisherOptions) {
    super(options);
    this.#lingerMs = options.lingerMs ?? 20;
  }

  /** Queues one change for the next batch; resolves when SNS accepted it. */
  override publish(event: ChangeEvent): Promise<void> {
    if (this.#closed) return Promise.reject(new PublisherClosedError(`the publisher is closed: change ${event.type}/${event.id} was not sent`));
    // The change as it is now: a caller may reuse or change its object before the batch leaves.
    let snapshot: ChangeEvent;
    let bytes: number;
    try {
      snapshot = parseChangeEvent(structuredClone(event));
      bytes = entryBytes({ event: snapshot, message: toMessage(snapshot) });
    } catch (error) {
      return Promise.reject(error);
    }
    if (bytes > BATCH_BYTES) return Promise.reject(new ChangeRefusedError(snapshot, 'TooLarge', `${bytes} bytes, over the ${BATCH_BYTES} bytes SNS takes in one message`));
    if (this.#bytes + bytes > BATCH_BYTES) this.#send();
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ event: snapshot, bytes, resolve, reject });
      this.#bytes += bytes;
      if (this.#pending.length === BATCH_ENTRIES) this.#send();
      else this.#timer ??= setTimeout(() => this.#send(), this.#lingerMs);
    });
  }

  /** Sends what is waiting now, and waits until every batch sent so far has its answer. */
  async flush(): Promise<void> {
    this.#send();
    await Promise.all([...this.#inFlight]);
  }

  /** Refuses new changes, sends what is waiting, and waits for every answer. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.#bytes = 0;
    const sending = this.#deliver(batch).finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  /** One PublishBatch call (the batch fits one by construction); settles every caller's promise. */
  async #deliver(batch: readonly Pending[]): Promise<void> {
    let failures;
    try {
      failures = await super.publishMany(batch.map((pending) => pending.event));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    const failed = new Map(failures.map((failure) => [failure.index, failure]));
    batch.forEach((pending, index) => {
      const failure = failed.get(index);
      if (failure) pending.reject(new ChangeRefusedError(pending.event, failure.code, failure.message));
      else pending.resolve();
    });
  }
}
