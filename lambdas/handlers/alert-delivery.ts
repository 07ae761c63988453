/**
 * The alert-delivery handler: SNS (the alerts topic) → one view of each alert → every
 * destination (Slack, Teams, DingTalk, Feishu / Lark, generic JSON webhooks). Each alert is
 * printed in the function's log. A delivery that still fails after its retries goes to the
 * function's dead-letter queue with the reason; the other destinations still get theirs. When a
 * failure cannot be dead-lettered either, the invocation fails, so Lambda retries the event and
 * finally hands it to its on-failure destination (the same queue): nothing is lost silently.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { SNSEvent } from 'aws-lambda';
import { alertViewOf, deliverAlert, type AlertView, type DeliveryOutcome } from '../core/alerts/index.ts';
import { createAlertDelivery, type AlertDelivery, type AlertDeliveryOverrides } from '../adapters/compose/alerts.ts';
import { parseAlertsEnv, type Environment } from '../adapters/compose/env.ts';

/** What a caller may inject. */
export interface AlertDeliveryHandlerOverrides extends AlertDeliveryOverrides {
  /** @default process.env */
  env?: Environment;
  /** The parts to run on. @default the composition root's, from `env` */
  delivery?: AlertDelivery;
  logger?: Logger;
  /** Called with each alert and what became of it at each destination (`freshindex dev` prints them). */
  report?: (view: AlertView, outcomes: readonly DeliveryOutcome[]) => void;
}

/** An SNS-triggered handler. */
export type SnsHandler = (event: SNSEvent) => Promise<void>;

/**
 * Builds the alert-delivery Lambda handler. The environment is read once, at cold start; a bad
 * one fails then, naming every problem.
 *
 * @example
 * // the generated Lambda entry:
 * export const handler = createAlertDeliveryHandler();
 */
export function createAlertDeliveryHandler(overrides: AlertDeliveryHandlerOverrides = {}): SnsHandler {
  const delivery = overrides.delivery ?? createAlertDelivery(parseAlertsEnv(overrides.env ?? process.env), overrides);
  const logger = overrides.logger ?? new Logger({ serviceName: 'freshindex-alerts' });

  return async (event) => {
    for (const record of event.Records) {
      const { Message: message, MessageId: messageId, Subject: subject, Timestamp: timestamp } = record.Sns;
      const view = alertViewOf({ message, subject: subject ?? undefined, timestamp }, delivery.links);
      logger.info(view.title, { alert: summaryOf(view), messageId });
      const outcomes = await deliverAlert(view, delivery.destinations, delivery.deps, { message, messageId });
      overrides.report?.(view, outcomes);
      for (const outcome of outcomes) {
        if (outcome.status === 'delivered') logger.info('alert delivered', { destination: outcome.destination, service: outcome.service, messageId });
        else logger.error('alert not delivered: sent to the dead-letter queue', { destination: outcome.destination, service: outcome.service, reason: outcome.reason, messageId });
      }
    }
  };
}

function summaryOf(view: AlertView) {
  return { kind: view.kind, severity: view.severity, type: view.type, id: view.id, summary: view.summary, action: view.action, commands: view.commands, links: view.links };
}
