import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** What a dead-lettered message carries besides its original body. */
export interface DeadLetterReason {
  reason: string;
  messageId: string;
  type?: string;
  id?: string;
  receiveCount?: number;
}

/**
 * Sends a message to a dead-letter queue with the reason it could not be applied, as message
 * attributes (`reason`, `originalMessageId`, `type`, `id`) so an operator sees why without
 * decoding anything, and the original body untouched so it can be redriven as it is.
 */
export class DeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(body: string, why: DeadLetterReason): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value.slice(0, 1024) || '-' });
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        MessageAttributes: {
          reason: attribute(why.reason),
          originalMessageId: attribute(why.messageId),
          ...(why.type ? { type: attribute(why.type) } : {}),
          ...(why.id ? { id: attribute(why.id) } : {}),
          ...(why.receiveCount ? { receiveCount: { DataType: 'Number', StringValue: String(why.receiveCount) } } : {}),
        },
      }),
    );
  }
}
