/**
 * What the apply handler does with the outcomes of one message: one per change the message's
 * event became (its own type's, each listener's). Dead letters, logs and metrics are per change,
 * under the change's own type; the message comes back when any change failed transiently
 * (docs/architecture.md, "Outcomes").
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { DeadLetterSink } from '../adapters/compose/index.ts';
import type { ChangeOutcome } from '../core/apply.ts';
import { ConfigError, describeError, isWidespread } from '../core/errors.ts';
import type { ChangeEvent } from '../core/events.ts';
import type { Clock } from '../core/ports.ts';
import type { TypeMetrics } from './metrics.ts';
import { failureFate, type FailureFate } from './redelivery.ts';

/** One change of a message and what became of it. */
export interface ReportedChange {
  outcome: ChangeOutcome;
  /** The change (absent when the message could not be parsed). */
  change?: ChangeEvent;
  /** The dead letter's body: the message's own for its event, the derived change for a listener's. */
  body: string;
  keys: { messageId: string; type?: string; id?: string };
}

export interface ReporterDeps {
  deadLetters: DeadLetterSink;
  logger: Logger;
  metrics: TypeMetrics;
  clock: Clock;
  maxReceiveCount: number;
}

/**
 * The types `FRESHINDEX_APPLY_TYPES` names (comma-separated; empty: none), or undefined when it is
 * unset: every type. Throws `ConfigError` naming the ones the config does not have.
 */
export function servedTypes(variable: string | undefined, configured: ReadonlyMap<string, unknown>): ReadonlySet<string> | undefined {
  if (variable === undefined) return undefined;
  const names = variable.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !configured.has(name));
  if (unknown.length > 0) throw new ConfigError(unknown.map((name) => `FRESHINDEX_APPLY_TYPES: "${name}" is not a type of the config`));
  return new Set(names);
}

/**
 * Builds the report of one message's changes. It returns `redeliver` (the error to throw) when a
 * change failed and the message has deliveries left: the message comes back whole, its applied
 * changes re-apply harmlessly (the version guard), and its rejected ones are dead-lettered on the
 * delivery that ends it, so each is dead-lettered once.
 */
export function reporter(deps: ReporterDeps) {
  return async (record: SQSRecord, changes: readonly ReportedChange[]): Promise<{ redeliver?: { error: unknown } }> => {
    const fates = changes.map(({ outcome }) => (outcome.status === 'failed' ? failureFate(record, outcome.error, deps.maxReceiveCount, true) : undefined));
    const index = fates.findIndex((fate) => fate?.action === 'redeliver');
    const redeliver = index >= 0 ? { error: (changes[index]?.outcome as { error: unknown }).error } : undefined;
    for (const [at, change] of changes.entries()) await reportOne(deps, record, change, fates[at], redeliver !== undefined);
    return redeliver ? { redeliver } : {};
  };
}

async function reportOne(deps: ReporterDeps, record: SQSRecord, reported: ReportedChange, fate: FailureFate | undefined, comingBack: boolean): Promise<void> {
  const { logger, metrics } = deps;
  const { outcome, keys } = reported;
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
  switch (outcome.status) {
    case 'rejected':
      if (comingBack) return void logger.info('change rejected: dead-lettered once its message stops coming back', { ...keys, reason: outcome.reason });
      await deadLetter(deps, reported, outcome.reason, receiveCount);
      logger.warn('change rejected: sent to the dead-letter queue', { ...keys, reason: outcome.reason });
      metrics.count(keys.type, 'Rejected');
      return;
    case 'failed':
      return reportFailure(deps, reported, outcome.error, fate as FailureFate);
    case 'stale':
    case 'unchanged':
    case 'superseded':
      logger.debug(`change skipped (${outcome.status})`, keys);
      metrics.count(keys.type, outcome.status === 'unchanged' ? 'SkippedUnchanged' : 'SkippedStale');
      return;
    case 'applied': {
      logger.info('change applied', { ...keys, op: outcome.op, version: outcome.version });
      metrics.count(keys.type, 'Applied');
      const occurredAt = reported.change?.occurredAt ? Date.parse(reported.change.occurredAt) : Number.NaN;
      if (Number.isFinite(occurredAt)) metrics.add(keys.type, 'FreshnessLag', MetricUnit.Milliseconds, Math.max(0, deps.clock() - occurredAt));
      return;
    }
  }
}

async function reportFailure(deps: ReporterDeps, reported: ReportedChange, error: unknown, fate: FailureFate): Promise<void> {
  const { logger, metrics } = deps;
  const { keys } = reported;
  metrics.count(keys.type, 'Failed');
  if (isWidespread(error)) {
    // Not this change's fault: the source or the store refuses every call (credentials, permissions).
    metrics.count(keys.type, 'WidespreadFailures');
    logger.error('the source or the index refuses every call of this type: check its credentials and permissions', { ...keys, reason: describeError(error), receiveCount: fate.receiveCount });
  }
  if (fate.action === 'dead-letter') {
    await deadLetter(deps, reported, fate.reason, fate.receiveCount);
    logger.error('change failed on its last delivery: sent to the dead-letter queue', { ...keys, reason: fate.reason, receiveCount: fate.receiveCount });
    metrics.count(keys.type, 'DeadLettered');
    return;
  }
  logger.warn('change failed: SQS will redeliver it', { ...keys, reason: fate.reason, receiveCount: fate.receiveCount });
}

/** Sends one change's letter, with its reason, message id, type, id and receive count as attributes. */
export async function deadLetter(deps: Pick<ReporterDeps, 'deadLetters'>, reported: Pick<ReportedChange, 'change' | 'body' | 'keys'>, reason: string, receiveCount: number): Promise<void> {
  // A failed mapping's letter is the event addressed to its listener: its attributes describe that
  // body (the event's type and id), and the reason names the listener.
  const addressed = reported.change?.listener !== undefined ? reported.change : undefined;
  const { messageId } = reported.keys;
  const { type, id } = addressed ? { type: addressed.type, id: addressed.id } : reported.keys;
  await deps.deadLetters.send(reported.body, { reason, messageId, ...(type ? { type } : {}), ...(id ? { id } : {}), receiveCount });
}
