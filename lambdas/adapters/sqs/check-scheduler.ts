import { SendMessageBatchCommand, SendMessageCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { describeError } from '../../core/errors.ts';
import type { Clock } from '../../core/ports.ts';
import { checkMessageBody } from '../../core/verify/message.ts';
import type { CheckRequest, CheckScheduler, UnscheduledCheck } from '../../core/verify/ports.ts';

/** The longest delivery delay SQS accepts. */
export const SQS_MAX_DELAY_SECONDS = 900;
/** The most entries one SendMessageBatch takes. */
export const SQS_MAX_BATCH_ENTRIES = 10;

/**
 * Schedules checks on the verify queue: one message per check, delayed until it is due (at most
 * the SQS maximum of 15 minutes; a check due later arrives early and is put back again).
 */
export class SqsCheckScheduler implements CheckScheduler {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly clock: Clock = Date.now,
  ) {}

  async schedule(request: CheckRequest): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, ...this.message(request) }));
  }

  /** SendMessageBatch, 10 checks a call, every call at once (a check message is a few hundred bytes: 10 never pass 256 KiB). */
  async scheduleAll(requests: readonly CheckRequest[]): Promise<UnscheduledCheck[]> {
    const chunks: CheckRequest[][] = [];
    for (let at = 0; at < requests.length; at += SQS_MAX_BATCH_ENTRIES) chunks.push(requests.slice(at, at + SQS_MAX_BATCH_ENTRIES));
    const failed = await Promise.all(chunks.map((chunk) => this.sendBatch(chunk)));
    return failed.flat();
  }

  private async sendBatch(chunk: readonly CheckRequest[]): Promise<UnscheduledCheck[]> {
    const entries: SendMessageBatchRequestEntry[] = chunk.map((request, index) => ({ Id: String(index), ...this.message(request) }));
    try {
      const output = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      return (output.Failed ?? []).map((entry) => ({
        request: chunk[Number(entry.Id)] as CheckRequest,
        reason: `the verify queue refused the check: ${entry.Code}: ${entry.Message ?? ''}`,
        retryable: entry.SenderFault !== true || THROTTLED.test(entry.Code ?? ''),
      }));
    } catch (error) {
      // After the SDK's own retries: every check of the call is unscheduled.
      const reason = `the verify queue could not be reached: ${describeError(error)}`;
      return chunk.map((request) => ({ request, reason, retryable: isTransientSqsError(error) }));
    }
  }

  private message(request: CheckRequest): { MessageBody: string; DelaySeconds: number } {
    return { MessageBody: checkMessageBody(request), DelaySeconds: delaySeconds(request.checkAfter - this.clock()) };
  }
}

/** SQS's codes for throttling (of the queue or of its KMS key): the sender's fault, and transient. */
const THROTTLED = /thrott/i;

/**
 * True when a failed SQS call may succeed if made again: a server fault, a throttled call, or no
 * answer at all (the network). A client fault (a denied permission, a disabled key, a missing
 * queue) fails the same way every time.
 */
export function isTransientSqsError(error: unknown): boolean {
  const { $fault, name } = (error ?? {}) as { $fault?: string; name?: string };
  return $fault !== 'client' || THROTTLED.test(name ?? '');
}

/** The whole seconds to wait for `remainingMs`, within what SQS accepts. */
export function delaySeconds(remainingMs: number): number {
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(remainingMs / 1000)));
}
