/**
 * Alerts in `freshindex dev`: a local queue subscribed to the alerts topic feeds the same
 * alert-delivery handler the stack deploys, which posts each alert to the webhooks of
 * FRESHINDEX_ALERT_WEBHOOKS (JSON: `[{ "name", "service", "url", "secret"? }]`, no Secrets Manager
 * locally) and prints it in the dev log. Failed deliveries go to a local dead-letter queue.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent, SNSEventRecord, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AlertView, DeliveryOutcome } from '../../core/alerts/index.ts';
import { createAlertDeliveryHandler } from '../../handlers/alert-delivery.ts';
import { SqsEventSource } from '../event-source.ts';

/** The deployed function's timeout; the queue's visibility timeout is six times it, as Lambda advises. */
const FUNCTION_TIMEOUT_MS = 90_000;

/** What the local delivery needs. */
export interface LocalAlertsOptions {
  sqs: SQSClient;
  sns: SNSClient;
  alertsTopicArn: string;
  region: string;
  /** FRESHINDEX_ALERT_WEBHOOKS as the user set it. @default none: alerts are printed only */
  webhooks?: string | undefined;
  apiUrl?: string | undefined;
  log: (line: string) => void;
  onError: (error: unknown, where: string) => void;
}

/** The running local delivery. */
export interface LocalAlerts {
  /** Where deliveries that failed for good are kept. */
  deadLetterQueueUrl: string;
  /** How many webhooks alerts go to. */
  destinations: number;
  stop(): Promise<void>;
}

/** Subscribes a local queue to the alerts topic and delivers what arrives (see the module's description). */
export async function startLocalAlerts(options: LocalAlertsOptions): Promise<LocalAlerts> {
  const queueUrl = await createQueue(options.sqs, 'freshindex-local-alert-delivery', { VisibilityTimeout: String((FUNCTION_TIMEOUT_MS / 1000) * 6) });
  const deadLetterQueueUrl = await createQueue(options.sqs, 'freshindex-local-alert-delivery-dlq');
  const queueArn = (await options.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  await options.sns.send(new SubscribeCommand({ TopicArn: options.alertsTopicArn, Protocol: 'sqs', Endpoint: queueArn }));
  const webhooks = options.webhooks?.trim() || '[]';
  const deliver = createAlertDeliveryHandler({
    env: {
      AWS_REGION: options.region,
      FRESHINDEX_ALERT_DLQ_URL: deadLetterQueueUrl,
      FRESHINDEX_ALERT_WEBHOOKS: webhooks,
      ...(options.apiUrl ? { FRESHINDEX_API_URL: options.apiUrl } : {}),
    },
    sqs: options.sqs,
    logger: new Logger({ serviceName: 'freshindex-alerts', logLevel: 'SILENT' }),
    report: (view, outcomes) => options.log(describeDelivery(view, outcomes)),
  });
  const poller = new SqsEventSource({
    sqs: options.sqs,
    queueUrl,
    ...(queueArn ? { queueArn } : {}),
    handler: async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        try {
          await deliver(snsEventOf(record.body, record.messageId));
        } catch (error) {
          options.onError(error, 'alert delivery');
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    },
    functionName: 'freshindex-local-alert-delivery',
    functionTimeoutMs: FUNCTION_TIMEOUT_MS,
    onError: (error) => options.onError(error, 'alert delivery poller'),
  });
  await poller.start();
  return { deadLetterQueueUrl, destinations: (JSON.parse(webhooks) as unknown[]).length, stop: () => poller.stop() };
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}): Promise<string> {
  return (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl as string;
}

/** The SNS event Lambda would get for a message the queue holds (SNS's JSON envelope, or a raw message). */
function snsEventOf(body: string, messageId: string): SNSEvent {
  let envelope: Record<string, unknown> = {};
  try {
    envelope = JSON.parse(body) as Record<string, unknown>;
  } catch {
    // A raw message: it is the alert itself.
  }
  const notification = envelope['Type'] === 'Notification' && typeof envelope['Message'] === 'string';
  const text = (name: string, fallback: string) => (notification && typeof envelope[name] === 'string' ? (envelope[name] as string) : fallback);
  const sns = {
    Type: 'Notification',
    MessageId: text('MessageId', messageId),
    TopicArn: text('TopicArn', ''),
    Subject: notification && typeof envelope['Subject'] === 'string' ? envelope['Subject'] : undefined,
    Message: notification ? (envelope['Message'] as string) : body,
    Timestamp: text('Timestamp', new Date().toISOString()),
    SignatureVersion: '1',
    Signature: '',
    SigningCertUrl: '',
    UnsubscribeUrl: '',
    MessageAttributes: {},
  } as unknown as SNSEventRecord['Sns'];
  return { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: 'local', Sns: sns }] };
}

/** One line per alert: what happened and where it went. */
function describeDelivery(view: AlertView, outcomes: readonly DeliveryOutcome[]): string {
  const where = outcomes.length === 0 ? 'no webhook configured (FRESHINDEX_ALERT_WEBHOOKS)' : outcomes.map((outcome) => (outcome.status === 'delivered' ? `${outcome.destination}: delivered` : `${outcome.destination}: NOT delivered (${outcome.reason})`)).join('; ');
  return `freshindex dev: alert ${view.title}\n  what to do: ${view.action}${view.commands.length > 0 ? `\n  run: ${view.commands[0]}` : ''}\n  ${where}`;
}

