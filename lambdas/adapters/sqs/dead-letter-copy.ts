/**
 * Redrive by copy: each letter is received, sent to the consumer queue, and deleted from the
 * dead-letter queue only once the send succeeded, so a failure at any point leaves the letter
 * here (or, when only the delete failed, in both queues: an apply is idempotent). Used for a
 * redrive of one type, which `StartMessageMoveTask` cannot filter, and on emulators, which do not
 * have it.
 */
import { DeleteMessageBatchCommand, SendMessageBatchCommand, type Message, type MessageAttributeValue, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { describeError } from '../../core/errors.ts';
import type { RedriveResult } from '../../core/dead-letters.ts';
import { letterKeys, sweep, type SweepOptions, type Visit } from './dead-letter-sweep.ts';

/** The attributes ./dead-letter.ts adds to a letter: none of them goes back to the consumer queue. */
const REASON_ATTRIBUTES = ['reason', 'originalMessageId', 'id', 'receiveCount', 'bodyReplaced'];
/** SendMessageBatch takes at most this many bytes in one call (SQS's 256 KiB, less room for the request itself). */
const BATCH_BYTES = 250_000;

type CopyResult = Extract<RedriveResult, { method: 'copy' }>;

/** Copies the letters of `type` (or every letter) to `sourceQueueUrl`; see the file's comment. */
export async function redriveByCopy(options: SweepOptions & { sourceQueueUrl: string; type?: string | undefined }): Promise<CopyResult> {
  const startedAt = options.clock();
  const result: CopyResult = { method: 'copy', redriven: 0, notDeleted: 0, skippedReplaced: 0, skippedOtherTypes: 0, skippedNewer: 0, complete: false };
  const end = await sweep(options, async (letters) => {
    const visits: Visit[] = letters.map(() => 'keep');
    const wanted: number[] = [];
    letters.forEach((letter, index) => {
      if (Number(letter.Attributes?.['SentTimestamp']) > startedAt) result.skippedNewer += 1;
      else if (letter.MessageAttributes?.['bodyReplaced']) result.skippedReplaced += 1;
      else if (options.type !== undefined && letterKeys(letter).type !== options.type) result.skippedOtherTypes += 1;
      else wanted.push(index);
    });
    for (const group of bySize(wanted, letters)) {
      const sent = await sendAll(options, group.map((index) => letters[index] as Message));
      if (sent.error) {
        result.error = sent.error;
        return { visits, stop: true };
      }
      const deleted = await deleteAll(options, group.map((index) => letters[index] as Message));
      group.forEach((index, position) => {
        if (deleted.has(position)) visits[index] = 'gone';
      });
      result.redriven += deleted.size;
      result.notDeleted += group.length - deleted.size;
    }
    return { visits };
  });
  result.complete = end.exhausted && result.error === undefined;
  return result;
}

/** The indexes of `wanted` in groups of at most 10 letters and `BATCH_BYTES`. */
function bySize(wanted: readonly number[], letters: readonly Message[]): number[][] {
  const groups: number[][] = [];
  let bytes = 0;
  for (const index of wanted) {
    const size = Buffer.byteLength((letters[index] as Message).Body ?? '') + 1_024;
    const last = groups.at(-1);
    if (!last || last.length === 10 || bytes + size > BATCH_BYTES) {
      groups.push([index]);
      bytes = size;
    } else {
      last.push(index);
      bytes += size;
    }
  }
  return groups;
}

/** Sends the letters to the consumer queue: every one, or an error naming the first refused (then none is deleted). */
async function sendAll(options: { sqs: SQSClient; sourceQueueUrl: string }, letters: readonly Message[]): Promise<{ error?: string }> {
  const entries: SendMessageBatchRequestEntry[] = letters.map((letter, index) => ({ Id: String(index), MessageBody: letter.Body ?? '', MessageAttributes: forwarded(letter) }));
  try {
    const output = await options.sqs.send(new SendMessageBatchCommand({ QueueUrl: options.sourceQueueUrl, Entries: entries }));
    const failed = output.Failed ?? [];
    // A batch is all or nothing here: sent letters of a partly refused batch stay too, and are sent again next time (idempotent).
    if (failed.length > 0) return { error: `the consumer queue refused ${failed.length} of ${entries.length} letters: ${failed[0]?.Code}: ${failed[0]?.Message}` };
    return {};
  } catch (error) {
    return { error: `sending to the consumer queue failed: ${describeError(error)}` };
  }
}

/** Deletes the letters here; the positions of those deleted. */
async function deleteAll(options: { sqs: SQSClient; queueUrl: string }, letters: readonly Message[]): Promise<Set<number>> {
  const entries = letters.map((letter, index) => ({ Id: String(index), ReceiptHandle: letter.ReceiptHandle ?? '' }));
  try {
    const output = await options.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }));
    return new Set((output.Successful ?? []).map((entry) => Number(entry.Id)));
  } catch {
    return new Set();
  }
}

/**
 * The message attributes the letter goes back with. A letter the handler dead-lettered carries
 * its reason instead of its original attributes: only `type` goes back (as the publisher sets
 * it). A letter SQS moved after `maxReceiveCount` receives kept its own: they all go back.
 */
function forwarded(letter: Message): Record<string, MessageAttributeValue> {
  const attributes = letter.MessageAttributes ?? {};
  if (!attributes['reason']) return attributes;
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => !REASON_ATTRIBUTES.includes(name)));
}
