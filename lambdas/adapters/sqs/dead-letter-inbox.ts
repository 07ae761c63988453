import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterDepth, DeadLetterDetail, DeadLetterInbox, DeadLetterList, DeadLetterSummary, RedriveResult } from '../../core/dead-letters.ts';
import { ConflictError } from '../../core/errors.ts';
import { systemClock, type Clock } from '../../core/ports.ts';
import { redriveByCopy } from './dead-letter-copy.ts';
import { letterKeys, sweep, type SweepOptions } from './dead-letter-sweep.ts';

/** Settings of {@link SqsDeadLetterInbox}. */
export interface SqsDeadLetterInboxOptions {
  sqs: SQSClient;
  /** The dead-letter queue. */
  deadLetterQueueUrl: string;
  /** The consumer queue its letters go back to. */
  sourceQueueUrl: string;
  /**
   * Redrive every letter with SQS's `StartMessageMoveTask`. The composition root turns it off when
   * SQS is an emulator (an endpoint override): neither fauxqs nor moto has it. An endpoint that
   * answers it is an unknown action falls back to the copy as well.
   * @default true
   */
  moveTasks?: boolean;
  /** How long one list, show or copy redrive walks the queue before answering with what it did. @default 20 s (the API answers within 29 s) */
  budgetMs?: number;
  /** How long a letter looked at stays hidden while the walk goes on, in seconds. @default 30 */
  holdSeconds?: number;
  clock?: Clock;
}

/**
 * The dead letters of one consumer queue on SQS. SQS offers no read without a receive, so a list
 * or show receives the letters, hides them while it looks (at most `holdSeconds`), and puts them
 * back; see ./dead-letter-sweep.ts. A redrive of every letter is an SQS message move task on AWS;
 * a redrive of one type, or on an emulator, copies (./dead-letter-copy.ts). Letters whose body the
 * queue could not take (./dead-letter.ts `DeadLetterBody`) are never copied back: they stay, and
 * the result counts them.
 */
export class SqsDeadLetterInbox implements DeadLetterInbox {
  readonly #options: Required<Omit<SqsDeadLetterInboxOptions, 'clock'>> & { clock: Clock };
  #moveTasks: boolean;

  constructor(options: SqsDeadLetterInboxOptions) {
    this.#options = { moveTasks: true, budgetMs: 20_000, holdSeconds: 30, ...options, clock: options.clock ?? systemClock };
    this.#moveTasks = this.#options.moveTasks;
  }

  async list(options: { type?: string; limit: number }): Promise<DeadLetterList> {
    const items: DeadLetterSummary[] = [];
    const end = await sweep(this.#sweepOptions(), async (letters) => {
      for (const letter of letters) {
        const summary = summaryOf(letter);
        if (items.length < options.limit && (options.type === undefined || summary.type === options.type)) items.push(summary);
      }
      return { visits: letters.map(() => 'keep'), stop: items.length >= options.limit };
    });
    items.sort((a, b) => a.firstSeen - b.firstSeen);
    return { items, scanned: end.scanned, complete: end.exhausted };
  }

  async show(messageId: string): Promise<DeadLetterDetail | undefined> {
    let found: DeadLetterDetail | undefined;
    await sweep(this.#sweepOptions(), async (letters) => {
      const letter = letters.find((candidate) => candidate.MessageId === messageId || candidate.MessageAttributes?.['originalMessageId']?.StringValue === messageId);
      if (letter) {
        const because = letter.MessageAttributes?.['bodyReplaced']?.StringValue;
        found = { ...summaryOf(letter), body: letter.Body ?? '', ...(because ? { bodyReplacedBecause: because } : {}) };
      }
      return { visits: letters.map(() => 'keep'), stop: found !== undefined };
    });
    return found;
  }

  async redrive(options: { type?: string }): Promise<RedriveResult> {
    if (options.type === undefined && this.#moveTasks) {
      const moved = await this.#startMoveTask();
      if (moved) return moved;
      this.#moveTasks = false;
    }
    return redriveByCopy({ ...this.#sweepOptions(), sourceQueueUrl: this.#options.sourceQueueUrl, type: options.type });
  }

  async purge(): Promise<void> {
    try {
      await this.#options.sqs.send(new PurgeQueueCommand({ QueueUrl: this.#options.deadLetterQueueUrl }));
    } catch (error) {
      // SQS allows one purge a minute per queue.
      if ((error as Error).name.includes('PurgeQueueInProgress')) throw new ConflictError('a purge of this dead-letter queue ran less than a minute ago; it deletes every letter it found', {});
      throw error;
    }
  }

  async depth(): Promise<DeadLetterDepth> {
    const attributes = await this.#attributes(this.#options.deadLetterQueueUrl, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']);
    return { visible: Number(attributes['ApproximateNumberOfMessages'] ?? 0), inFlight: Number(attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0) };
  }

  /** Starts a move task of every letter to the consumer queue; `undefined` when the endpoint does not know the action. */
  async #startMoveTask(): Promise<RedriveResult | undefined> {
    const { sqs } = this.#options;
    const [sourceArn, destinationArn] = await Promise.all([this.#arnOf(this.#options.deadLetterQueueUrl), this.#arnOf(this.#options.sourceQueueUrl)]);
    try {
      const running = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }))).Results?.[0];
      if (running?.Status === 'RUNNING') {
        throw new ConflictError(`a redrive of this dead-letter queue is running (${running.ApproximateNumberOfMessagesMoved ?? 0} of ${running.ApproximateNumberOfMessagesToMove ?? '?'} moved)`, {});
      }
      const { visible } = await this.depth();
      const started = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
      return { method: 'move-task', taskHandle: started.TaskHandle ?? '', approximateCount: visible };
    } catch (error) {
      if (unknownAction(error)) return undefined;
      throw error;
    }
  }

  async #arnOf(queueUrl: string): Promise<string> {
    return (await this.#attributes(queueUrl, ['QueueArn']))['QueueArn'] ?? '';
  }

  async #attributes(queueUrl: string, names: Array<'QueueArn' | 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible'>): Promise<Record<string, string>> {
    return (await this.#options.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names }))).Attributes ?? {};
  }

  #sweepOptions(): SweepOptions {
    const { sqs, deadLetterQueueUrl, holdSeconds, budgetMs, clock } = this.#options;
    return { sqs, queueUrl: deadLetterQueueUrl, holdSeconds, budgetMs, clock };
  }
}

/** A letter's reason, keys and when it arrived, from its attributes. */
function summaryOf(letter: Message): DeadLetterSummary {
  const text = (name: string) => letter.MessageAttributes?.[name]?.StringValue;
  const receiveCount = Number(text('receiveCount'));
  const optional = { originalMessageId: text('originalMessageId'), reason: text('reason'), ...letterKeys(letter) };
  return {
    messageId: letter.MessageId ?? '',
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    ...(receiveCount > 0 ? { receiveCount } : {}),
    firstSeen: Number(letter.Attributes?.['SentTimestamp'] ?? 0),
    bodyReplaced: text('bodyReplaced') !== undefined,
  };
}

/** The endpoint does not know the action (fauxqs answers `InvalidAction`). */
function unknownAction(error: unknown): boolean {
  const { name = '', message = '' } = error as { name?: string; message?: string };
  return /InvalidAction|UnknownOperation/.test(name) || /unknown action/i.test(message);
}
