/**
 * Walking a dead-letter queue, which SQS only lets you receive from: each letter is received and
 * hidden (its visibility timeout) while the walk goes on, so it is seen once, then put back at the
 * end (`ChangeMessageVisibility` 0) unless the visitor deleted it. A peek therefore hides the
 * letters it looked at for a few seconds at most; a letter whose hold ran out during a long walk
 * comes back and is recognised by its message id.
 */
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../../core/ports.ts';

/** What a visitor says about the letter it was handed. */
export type Visit = 'keep' | 'gone';

/** How a sweep ended. */
export interface SweepEnd {
  /** Letters handed to the visitor. */
  scanned: number;
  /** True when the queue had no more letters to hand out (every visible letter was visited). */
  exhausted: boolean;
}

export interface SweepOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** How long each received letter stays hidden, in seconds. */
  holdSeconds: number;
  /** The sweep stops handing out letters after this long (its callers answer within an API call). */
  budgetMs: number;
  clock: Clock;
}

/** The visitor of a whole received batch: say for each letter whether it is still here, and whether to stop. */
export type BatchVisitor = (letters: readonly Message[]) => Promise<{ visits: readonly Visit[]; stop?: boolean }>;

/**
 * Hands the queue's letters to `visit` ten at a time until the queue has no more, `visit` says
 * stop, or the time budget is spent; then puts back every letter still held.
 */
export async function sweep(options: SweepOptions, visit: BatchVisitor): Promise<SweepEnd> {
  const held = new Map<string, string>();
  const seen = new Set<string>();
  const deadline = options.clock() + options.budgetMs;
  let scanned = 0;
  let exhausted = false;
  try {
    while (options.clock() < deadline) {
      const received = await receive(options);
      const fresh = received.filter((letter) => {
        const id = letter.MessageId ?? '';
        if (letter.ReceiptHandle) held.set(id, letter.ReceiptHandle);
        return !seen.has(id);
      });
      if (fresh.length === 0) {
        exhausted = true;
        break;
      }
      for (const letter of fresh) seen.add(letter.MessageId ?? '');
      scanned += fresh.length;
      const { visits, stop } = await visit(fresh);
      fresh.forEach((letter, index) => {
        if (visits[index] === 'gone') held.delete(letter.MessageId ?? '');
      });
      if (stop) break;
    }
  } finally {
    await release(options, held);
  }
  return { scanned, exhausted };
}

async function receive(options: SweepOptions): Promise<Message[]> {
  const output = await options.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: options.holdSeconds,
      // Long polling asks every SQS server, so an empty answer means an empty queue (short polling samples some).
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      MessageAttributeNames: ['All'],
    }),
  );
  return output.Messages ?? [];
}

/** Puts the held letters back at once. A failure leaves them hidden until their hold runs out: nothing is lost. */
async function release(options: SweepOptions, held: ReadonlyMap<string, string>): Promise<void> {
  const entries = [...held.values()].map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 }));
  for (let start = 0; start < entries.length; start += 10) {
    await options.sqs
      .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: options.queueUrl, Entries: entries.slice(start, start + 10) }))
      .catch(() => undefined);
  }
}

/**
 * The letter's resource type and id: its message attributes (the handler's, or the publisher's
 * `type`), else the `type` and `id` of its body when that is a JSON change event.
 */
export function letterKeys(letter: Message): { type?: string; id?: string } {
  const type = letter.MessageAttributes?.['type']?.StringValue;
  const id = letter.MessageAttributes?.['id']?.StringValue;
  if (type !== undefined && id !== undefined) return { type, id };
  const body = parsedBody(letter.Body);
  const keys = { type: type ?? body['type'], id: id ?? body['id'] };
  return Object.fromEntries(Object.entries(keys).filter(([, value]) => typeof value === 'string')) as { type?: string; id?: string };
}

function parsedBody(body: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
