import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../../core/ports.ts';
import { checkMessageBody } from '../../core/verify/message.ts';
import type { CheckRequest, CheckScheduler } from '../../core/verify/ports.ts';

/** The longest delivery delay SQS accepts. */
export const SQS_MAX_DELAY_SECONDS = 900;

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
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: checkMessageBody(request),
        DelaySeconds: delaySeconds(request.checkAfter - this.clock()),
      }),
    );
  }
}

/** The whole seconds to wait for `remainingMs`, within what SQS accepts. */
export function delaySeconds(remainingMs: number): number {
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(remainingMs / 1000)));
}
