/**
 * The one batching engine of both publishers: changes published one at a time leave together in
 * SNS PublishBatch calls, the way a database's group commit gathers transactions.
 *
 * A batch leaves at once when it fills (10 changes, or the next would take it past 256 KiB). A
 * partial batch leaves once its oldest change has waited `lingerMs` and no other partial batch of
 * this engine is waiting for SNS's answer. With `lingerMs` 0 (ChangePublisher) nothing waits on a
 * timer: a change published while no partial batch is in flight leaves in the same turn of the
 * event loop (with the others of that turn), and changes published while one is in flight leave
 * together as soon as it answers. A partial batch holds the next one back for at most
 * {@link MAX_HOLD_MS}: a slow call (the SDK retrying it) does not stall the publisher.
 *
 * An entry SNS refused on its own side (`SenderFault: false`: throttling, an internal error) goes
 * back to the waiting changes after a jittered wait and leaves with a later batch, up to
 * {@link ENTRY_RETRIES} times; its caller's promise rejects only then. Its neighbours in the call
 * that refused it are settled at once.
 */
import { defaultSleep, fullJitterDelay } from '../core/backoff.ts';
import { parseChangeEvent, type ChangeEvent } from '../core/events.ts';
import { BATCH_BYTES, BATCH_ENTRIES, entryBytes, toMessage, type Entry } from './batch.ts';
import { ChangeRefusedError, PublisherClosedError } from './errors.ts';

/** How many times an entry SNS refused on its own side is sent again before its caller's promise rejects. */
export const ENTRY_RETRIES = 3;
/** The longest a partial batch in flight holds the next partial batch back (ms). */
export const MAX_HOLD_MS = 1_000;
/** The jittered wait before a refused entry is sent again: 50 ms, doubling, at most 1 s. */
const RETRY_BACKOFF = { baseMs: 50, capMs: 1_000 };

/** An entry of one PublishBatch call that SNS refused (`index` is its position in the call). */
export interface RefusedEntry {
  index: number;
  code: string;
  message: string;
  /** SNS refused it on its own side (`SenderFault: false`): sending it again may succeed. */
  retryable: boolean;
}

/** Sends entries that fit one PublishBatch call; returns those SNS refused, throws if the call failed. */
export type SendBatch = (entries: readonly Pick<Entry, 'event' | 'message'>[]) => Promise<RefusedEntry[]>;

interface Waiting {
  event: ChangeEvent;
  message: Entry['message'];
  bytes: number;
  /** Times SNS refused it on its own side so far. */
  refusals: number;
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
  /** The batch (its number in `#sent`) holding the next partial batch back, if any. */
  #holder: number | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  /** Refused entries waiting to go back to the waiting changes. */
  readonly #retrying = new Set<Promise<void>>();
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
    return new Promise<void>((resolve, reject) => this.#enqueue({ event: snapshot, message, bytes, refusals: 0, resolve, reject }));
  }

  /** Adds a change to the waiting batch, sending it first if the change would not fit. */
  #enqueue(waiting: Waiting): void {
    if (this.#bytes + waiting.bytes > BATCH_BYTES) this.#dispatch(false);
    this.#waiting.push(waiting);
    this.#bytes += waiting.bytes;
    if (this.#waiting.length === BATCH_ENTRIES) this.#dispatch(false);
    else this.#ripen();
  }

  /** Sends what is waiting now, and waits until every change given so far has its answer (refused entries sent again included). */
  async flush(): Promise<void> {
    for (;;) {
      this.#dispatch(true);
      if (this.#inFlight.size === 0 && this.#retrying.size === 0) return;
      await Promise.all([...this.#inFlight, ...this.#retrying]);
    }
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
      if (this.#holder === undefined) this.#dispatch(true);
    };
    if (this.#lingerMs > 0) this.#timer = setTimeout(ripe, this.#lingerMs);
    else queueMicrotask(ripe);
  }

  /** Sends what is waiting as one call; a `partial` one holds back the next partial until it answers, or for MAX_HOLD_MS. */
  #dispatch(partial: boolean): void {
    const batch = this.#waiting;
    if (batch.length === 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#ripening = false;
    this.#ripe = false;
    this.#waiting = [];
    this.#bytes = 0;
    const number = (this.#sent += 1);
    let release = () => {};
    if (partial && this.#holder === undefined) {
      this.#holder = number;
      const free = () => {
        if (this.#holder !== number) return;
        this.#holder = undefined;
        if (this.#ripe) this.#dispatch(true);
      };
      const timer = setTimeout(free, MAX_HOLD_MS);
      timer.unref?.();
      release = () => {
        clearTimeout(timer);
        free();
      };
    }
    const sending = this.#deliver(batch).finally(() => {
      this.#inFlight.delete(sending);
      release();
    });
    this.#inFlight.add(sending);
  }

  /** One PublishBatch call; settles every caller's promise (a failed call rejects them all with its error), or sends a refused entry again. */
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
      if (!entry) waiting.resolve();
      else if (entry.retryable && waiting.refusals < ENTRY_RETRIES) this.#retry({ ...waiting, refusals: waiting.refusals + 1 });
      else waiting.reject(new ChangeRefusedError(waiting.event, entry.code, entry.message));
    });
  }

  /** Puts a refused entry back among the waiting changes after a jittered wait. */
  #retry(waiting: Waiting): void {
    const back = defaultSleep(fullJitterDelay(waiting.refusals, RETRY_BACKOFF)).then(() => {
      this.#retrying.delete(back);
      this.#enqueue(waiting);
    });
    this.#retrying.add(back);
  }
}
