/**
 * The delivery function's dead-letter queue: each failed delivery as one message whose body is
 * JSON `{ destination, service, reason, alert, message }` (the alert view and the topic's message
 * as it came) and whose attributes carry the reason, the SNS message id and the type and id.
 */
import type { FailedDelivery, FailedDeliverySink } from '../../core/alerts/index.ts';
import type { DeadLetterSink } from '../sqs/dead-letter.ts';

/** Sends failed deliveries to a dead-letter queue (see the module's description). */
export class QueueFailedDeliveries implements FailedDeliverySink {
  constructor(private readonly queue: DeadLetterSink) {}

  async record(failure: FailedDelivery): Promise<void> {
    const body = JSON.stringify({ destination: failure.destination, service: failure.service, reason: failure.reason, alert: failure.alert, message: failure.message });
    await this.queue.send(body, {
      reason: failure.reason,
      messageId: failure.messageId,
      ...(failure.alert.type ? { type: failure.alert.type } : {}),
      ...(failure.alert.id ? { id: failure.alert.id } : {}),
    });
  }
}
