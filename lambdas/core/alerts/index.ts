/** Alerts for operators: one view of every message on the alerts topic, a formatter per chat service, delivery to each destination. */
export { alertViewOf, type AlertFact, type AlertLink, type AlertMessage, type AlertOrigin, type AlertSeverity, type AlertView } from './view.ts';
export { commandsFor, logsInsightsUrl, type LinkSettings } from './links.ts';
export { ALERT_SERVICES, FORMATTERS, type AlertService } from './formatters.ts';
export {
  deliverAlert,
  UndeliveredAlertError,
  type AlertDestination,
  type AlertPoster,
  type DeliveredMessage,
  type DeliveryDeps,
  type DeliveryOutcome,
  type FailedDelivery,
  type FailedDeliverySink,
} from './deliver.ts';
