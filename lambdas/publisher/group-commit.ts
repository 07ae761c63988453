/**
 * The one batching engine of both publishers: changes published one at a time leave together in
 * SNS PublishBatch calls, the way a database's group commit gathers transactions.
 *
 * A batch leaves at once when it fills (10 changes, or the next would take it past 256 KiB). A
 * partial batch leaves once its oldest change has waited `lingerMs` and no other partial batch of
 * this engine is waiting for SNS's answer. With `lingerMs` 0 (ChangePublisher) nothing waits on a
 * timer: a change published while no partial batch is in flight leaves in the same turn of the
 * event loop (with the others of that turn), and changes published while one is in flight leave
 * together as soon as it answers.
 */
import { parseChangeEvent, type ChangeEvent } from '../core/events.ts';
import { BATCH_BYTES, BATCH_ENTRIES, entryBytes, toMessage, type Entry } from './batch.ts';
import { ChangeRefusedError, PublisherClosedError } from './errors.ts';

/** An entry of one PublishBatch call that SNS refused (`index` is its position in the call). */
export interface RefusedEntry {
  index: number;
  code: string;
  message: string;
}

/** Sends entries that fit one PublishBatch call; returns those SNS refused, throws if the call failed. */
export type SendBatch = (entries: readonly Pick<Entry, 'event' | 'message'>[]) => Promise<RefusedEntry[]>;

interface Waiting {
  event: ChangeEvent;
  message: Entry['message'];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Gathers published changes into PublishBatch calls and settles each caller's promise. */
export class GroupCommit {
  readonly #send: SendBatch;
  readonly #lingerMs: number;
  #waiting: Waiting[] = [];
  #bytes = 0;
  /** The oldest waiting change has waited `lingerMs`. */
  #ripe = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ripening = false;
  /** Counts the batches sent, so that a ripening meant for one already sent is ignored. */
  #sent = 0;
  /** A partial batch is waiting for SNS's answer. */
  #partialInFlight = false;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(send: SendBatch, lingerMs: number) {
    this.#send = send;
    this.#lingerMs = lingerMs;
  }

  /**
   * Takes a copy of `event` for the next batch; resolves when SNS accepted it. Rejects at once,
   * sending nothing, when it breaks the contract (`InvalidChangeError`), is over 256 KiB
   * (`ChangeRefusedError`, code `TooLarge`) or the engine is closed (`PublisherClosedError`).
   */
  add(event: ChangeEvent): Promise<void> {
    if (this.#closed) return Promise.reject(new PublisherClosedError(`the publisher is closed: change ${event.type}/${event.id} was not sent`));
    let snapshot: ChangeEvent;
    let message: Entry['message'];
    try {
      // The change as it is now: a caller may reuse or change its object before the batch leaves.
      snapshot = parseChangeEvent(structuredClone(event));
      message = toMessage(snapshot);
    } catch (error) {
      return Promise.reject(error);
    }
    const bytes = entryBytes({ event: snapshot, message });
    if (bytes > BATCH_BYTES) return Promise.reject(new ChangeRefusedError(snapshot, 'TooLarge', `${bytes} bytes, over the ${BATCH_BYTES} bytes SNS takes in one message`));
    if (this.#bytes + bytes > BATCH_BYTES) this.#dispatch(false);
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ event: snapshot, message, resolve, reject });
      this.#bytes += bytes;
      if (this.#waiting.length === BATCH_ENTRIES) this.#dispatch(false);
      else this.#ripen();
    });
  }

  /** Sends what is waiting now, and waits until every batch sent so far has its answer. */
  async flush(): Promise<void> {
    this.#dispatch(true);
    await Promise.all([...this.#inFlight]);
  }

  /** Refuses new changes, sends what is waiting, and waits for every answer. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Marks the waiting batch ripe after `lingerMs` (with 0: at the end of this turn, no timer). */
  #ripen(): void {
    if (this.#ripe || this.#ripening) return;
    this.#ripening = true;
    const batch = this.#sent;
    const ripe = () => {
      if (batch !== this.#sent) return;
      this.#ripening = false;
      this.#timer = undefined;
      this.#ripe = true;
      if (!this.#partialInFlight) this.#dispatch(true);
    };
    if (this.#lingerMs > 0) this.#timer = setTimeout(ripe, this.#lingerMs);
    else queueMicrotask(ripe);
  }

  /** Sends what is waiting as one call; a `partial` one holds back the next partial until it answers. */
  #dispatch(partial: boolean): void {
    const batch = this.#waiting;
    if (batch.length === 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#ripening = false;
    this.#ripe = false;
    this.#waiting = [];
    this.#bytes = 0;
    this.#sent += 1;
    const holds = partial && !this.#partialInFlight;
    if (holds) this.#partialInFlight = true;
    const sending = this.#deliver(batch).finally(() => {
      this.#inFlight.delete(sending);
      if (!holds) return;
      this.#partialInFlight = false;
      if (this.#ripe) this.#dispatch(true);
    });
    this.#inFlight.add(sending);
  }

  /** One PublishBatch call; settles every caller's promise (a failed call rejects them all with its error). */
  async #deliver(batch: readonly Waiting[]): Promise<void> {
    let refused: RefusedEntry[];
    try {
      refused = await this.#send(batch);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    const byIndex = new Map(refused.map((entry) => [entry.index, entry]));
    batch.forEach((waiting, index) => {
      const entry = byIndex.get(index);
      if (entry) waiting.reject(new ChangeRefusedError(waiting.event, entry.code, entry.message));
      else waiting.resolve();
    });
  }
}
