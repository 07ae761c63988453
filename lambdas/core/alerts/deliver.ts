/**
 * Delivering one alert to every destination: each gets its own payload; one that still fails
 * after the poster's retries goes to the failed-deliveries sink with the reason, the destination
 * and the alert, and the others still get theirs. Nothing is lost silently: when the sink itself
 * fails, `deliverAlert` throws after trying every destination, so the invocation is retried.
 */
import { describeError, FreshindexError } from '../errors.ts';
import { FORMATTERS, type AlertService } from './formatters.ts';
import type { AlertView } from './view.ts';

/** Where alerts go: a named chat channel or webhook of one service. */
export interface AlertDestination {
  /** The operator's name for it (`oncall-slack`), in logs and dead letters. */
  name: string;
  service: AlertService;
}

/** Posts a payload to a destination (signing and retrying as its service needs); throws when it could not. */
export interface AlertPoster {
  post(destination: AlertDestination, payload: Record<string, unknown>): Promise<void>;
}

/** A delivery that failed for good: what the failed-deliveries queue receives. */
export interface FailedDelivery {
  destination: string;
  service: AlertService;
  reason: string;
  alert: AlertView;
  /** The message of the alerts topic as it arrived. */
  message: string;
  /** The SNS message id. */
  messageId: string;
}

/** Keeps deliveries that failed for good (the delivery function's dead-letter queue). */
export interface FailedDeliverySink {
  record(failure: FailedDelivery): Promise<void>;
}

/** What became of the alert at one destination. */
export type DeliveryOutcome =
  | { destination: string; service: AlertService; status: 'delivered' }
  | { destination: string; service: AlertService; status: 'dead-lettered'; reason: string };

/** What `deliverAlert` needs. */
export interface DeliveryDeps {
  poster: AlertPoster;
  failed: FailedDeliverySink;
}

/** The alert's message as it came, for the dead letter. */
export interface DeliveredMessage {
  message: string;
  messageId: string;
}

/** Thrown when a failed delivery could not be dead-lettered either: the caller must retry the alert. */
export class UndeliveredAlertError extends FreshindexError {
  override readonly retryable = true;
  constructor(readonly failures: readonly string[]) {
    super(`alert neither delivered nor dead-lettered at ${failures.length} destination(s): ${failures.join('; ')}`, { context: { failures } });
    this.name = 'UndeliveredAlertError';
  }
}

/**
 * Delivers `view` to every destination at once. Returns one outcome per destination; throws
 * {@link UndeliveredAlertError} when a failure could not be dead-lettered.
 *
 * @example
 * const outcomes = await deliverAlert(view, destinations, { poster, failed }, { message: record.Sns.Message, messageId: record.Sns.MessageId });
 */
export async function deliverAlert(view: AlertView, destinations: readonly AlertDestination[], deps: DeliveryDeps, original: DeliveredMessage): Promise<DeliveryOutcome[]> {
  const lost: string[] = [];
  const outcomes = await Promise.all(
    destinations.map(async (destination): Promise<DeliveryOutcome> => {
      const base = { destination: destination.name, service: destination.service };
      try {
        await deps.poster.post(destination, FORMATTERS[destination.service](view));
        return { ...base, status: 'delivered' };
      } catch (error) {
        const reason = describeError(error);
        try {
          await deps.failed.record({ ...base, reason, alert: view, ...original });
        } catch (sinkError) {
          lost.push(`${destination.name}: ${reason} (dead-lettering failed: ${describeError(sinkError)})`);
        }
        return { ...base, status: 'dead-lettered', reason };
      }
    }),
  );
  if (lost.length > 0) throw new UndeliveredAlertError(lost);
  return outcomes;
}
