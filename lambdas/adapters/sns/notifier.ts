import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert, Notifier } from '../../core/ports.ts';

/** Topic ARNs of the notifier. Either may be absent (local runs without alerting). */
export interface SnsNotifierTopics {
  /** Alerts for operators (email, chat webhooks subscribe here). */
  alertsTopicArn?: string;
  /** Build and audit reports, for dashboards and other systems. */
  notificationsTopicArn?: string;
}

/**
 * Publishes alerts and reports to SNS. The subject is the one-line summary (mail clients show it);
 * the message is JSON with the full alert, so chat webhooks and scripts get every field.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topics: SnsNotifierTopics,
  ) {}

  async alert(alert: Alert): Promise<void> {
    if (!this.topics.alertsTopicArn) return;
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topics.alertsTopicArn,
        Subject: truncate(`[freshindex ${alert.severity}] ${alert.summary}`, 99),
        Message: JSON.stringify({ ...alert, at: new Date(alert.at).toISOString() }, null, 2),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: alert.kind },
          type: { DataType: 'String', StringValue: alert.type },
          severity: { DataType: 'String', StringValue: alert.severity },
        },
      }),
    );
  }

  async report(kind: 'build' | 'audit', type: string, report: Record<string, unknown>): Promise<void> {
    if (!this.topics.notificationsTopicArn) return;
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topics.notificationsTopicArn,
        Subject: `freshindex ${kind} report: ${type}`,
        Message: JSON.stringify({ kind, type, ...report }),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: `${kind}-report` },
          type: { DataType: 'String', StringValue: type },
        },
      }),
    );
  }
}

function truncate(text: string, max: number): string {
  // SNS subjects are ASCII, at most 100 characters, without line breaks.
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= max ? ascii : `${ascii.slice(0, max - 1)}…`.replace('…', '.');
}
