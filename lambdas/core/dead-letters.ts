/**
 * Dead letters an operator can act on: the port the ops API lists, shows, redrives, purges and
 * counts them through, one per consumer queue. The SQS adapter is
 * lambdas/adapters/sqs/dead-letter-inbox.ts.
 */
import { TYPE_NAME } from './config/names.ts';

/** The shared consumer queues that have a dead-letter queue. */
export const DEAD_LETTER_QUEUES = ['apply', 'verify'] as const;
/** A shared consumer queue: `apply` or `verify`. */
export type SharedDeadLetterQueueName = (typeof DEAD_LETTER_QUEUES)[number];
/** A consumer queue with a dead-letter queue: a shared one, or a type's own apply queue, `apply:<type>`. */
export type DeadLetterQueueName = SharedDeadLetterQueueName | `apply:${string}`;

/** The rule of a dead-letter queue's name: `apply`, `verify` or `apply:<type>`. */
export const DEAD_LETTER_QUEUE_NAME = new RegExp(`^(apply|verify|apply:${TYPE_NAME.source.slice(1, -1)})$`);

/** How a type's own apply queue (`delivery.queue: 'own'`) is named here: `apply:<type>`. */
export function ownApplyQueueName(type: string): `apply:${string}` {
  return `apply:${type}`;
}

/** The type of an own apply queue's name (`apply:movie` → `movie`); `undefined` for a shared queue's name. */
export function ownQueueType(queue: DeadLetterQueueName): string | undefined {
  return queue.startsWith('apply:') ? queue.slice('apply:'.length) : undefined;
}

/**
 * Every consumer queue of a config with a dead-letter queue: `apply`, `verify`, then `apply:<type>`
 * for each type with its own apply queue, in the config's order.
 */
export function deadLetterQueueNames(types: Iterable<{ name: string; delivery?: { queue: 'shared' | 'own' } | undefined }>): DeadLetterQueueName[] {
  const own = [...types].filter((type) => type.delivery?.queue === 'own').map((type) => ownApplyQueueName(type.name));
  return [...DEAD_LETTER_QUEUES, ...own];
}

/** One dead letter as a list shows it. */
export interface DeadLetterSummary {
  /** The dead letter's own message id (`dlq show` takes it, or `originalMessageId`). */
  messageId: string;
  /** The message id it had on the consumer queue, when the handler dead-lettered it. */
  originalMessageId?: string;
  /** Why it was dead-lettered; absent when SQS moved it after `maxReceiveCount` receives. */
  reason?: string;
  type?: string;
  id?: string;
  /** Receives on the consumer queue before it was dead-lettered. */
  receiveCount?: number;
  /** When it reached the dead-letter queue (SQS `SentTimestamp`), epoch ms. */
  firstSeen: number;
  /** True when the queue could not take the original body and a stand-in replaced it: such a letter is never redriven. */
  bodyReplaced: boolean;
}

/** One dead letter with its body. */
export interface DeadLetterDetail extends DeadLetterSummary {
  body: string;
  /** Why the body was replaced (`too-large`, `invalid-characters`). */
  bodyReplacedBecause?: string;
}

/** What {@link DeadLetterInbox.list} found. */
export interface DeadLetterList {
  items: DeadLetterSummary[];
  /** Letters looked at (of every type). */
  scanned: number;
  /** True when every visible letter was looked at: `items` is then all there is (of the type asked). */
  complete: boolean;
}

/** A dead-letter queue's depth (SQS's approximate counts). */
export interface DeadLetterDepth {
  /** Letters waiting. */
  visible: number;
  /** Letters received and not yet deleted or put back (being peeked or redriven). */
  inFlight: number;
}

/** What {@link DeadLetterInbox.redrive} did. */
export type RedriveResult =
  | {
      /** SQS moves the letters itself (`StartMessageMoveTask`), in the background. */
      method: 'move-task';
      taskHandle: string;
      /** Letters in the queue when the task started (SQS's approximate count). */
      approximateCount: number;
    }
  | {
      /** Received, sent to the consumer queue, then deleted, one by one. */
      method: 'copy';
      /** Sent to the consumer queue and deleted here. */
      redriven: number;
      /** Sent but could not be deleted here: they are in both queues (an apply is idempotent). */
      notDeleted: number;
      /** Left here because their body was replaced. */
      skippedReplaced: number;
      /** Left here because they are of another type than asked. */
      skippedOtherTypes: number;
      /** Left here because they arrived after the redrive started (some may be letters redriven and dead-lettered again). */
      skippedNewer: number;
      /** False when the time budget ran out first: run it again for the rest. */
      complete: boolean;
      /** The send that failed and stopped the redrive; that letter stays here. */
      error?: string;
    };

/** The dead letters of one consumer queue. */
export interface DeadLetterInbox {
  /**
   * The letters, oldest first as SQS hands them out, at most `limit`, only of `type` when given.
   * Peeking hides each letter for a few seconds, then puts it back.
   */
  list(options: { type?: string; limit: number }): Promise<DeadLetterList>;
  /** One letter by its message id (or its original message id), with its body; `undefined` when none has it. */
  show(messageId: string): Promise<DeadLetterDetail | undefined>;
  /** Sends the letters (every one, or those of `type`) back to the consumer queue. */
  redrive(options: { type?: string }): Promise<RedriveResult>;
  /** Deletes every letter. */
  purge(): Promise<void>;
  depth(): Promise<DeadLetterDepth>;
}
