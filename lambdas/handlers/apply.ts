/**
 * The apply handler: SQS (fed by the change topic) → apply each change to the index, and schedule
 * its check on the verify queue (apply-checks.ts).
 * Thin by design: parse the messages, call the core (which dispatches each event to its own type and
 * the types listening to it, and retries transient failures within the invocation's remaining time,
 * less a safety margin), shape the partial batch response (apply-report.ts). A change
 * that can never apply is dead-lettered at once with its reason; one that failed is redelivered,
 * and dead-lettered on its last delivery (docs/architecture.md, "Outcomes").
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ChangeOutcome, IncomingChange } from '../core/apply.ts';
import { dispatchChanges, type Dispatched } from '../core/dispatch.ts';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import type { InvalidChangeError } from '../core/errors.ts';
import { parseChangeMessage } from '../core/events.ts';
import type { Runtime, RuntimeOverrides } from '../adapters/compose/index.ts';
import { parseEnv, runtimeFromEnv, type Environment } from '../adapters/compose/env.ts';
import { TypeMetrics } from './metrics.ts';
import { failureFate } from './redelivery.ts';
import { applyChecks, type Unscheduled } from './apply-checks.ts';
import { deadLetter, reporter, servedTypes } from './apply-report.ts';

export interface ApplyHandlerOverrides extends RuntimeOverrides {
  /** @default process.env */
  env?: Environment;
  /** The bundle to run on (its `deadLetters` is this function's dead-letter queue). @default the composition root's, from `env` */
  runtime?: Runtime;
  logger?: Logger;
  metrics?: Metrics;
}

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Builds the apply Lambda handler for a config. Environment and clients are resolved once, at
 * cold start; a bad config or environment fails then, naming every problem.
 *
 * @example
 * // the generated Lambda entry:
 * import { config } from './freshindex.config.ts';
 * export const handler = createApplyHandler(config);
 */
export function createApplyHandler(configInput: FreshindexConfigInput, overrides: ApplyHandlerOverrides = {}): SqsHandler {
  const processEnv = overrides.env ?? process.env;
  const { env, runtime } = overrides.runtime
    ? { env: parseEnv('apply', processEnv), runtime: overrides.runtime }
    : runtimeFromEnv('apply', configInput, processEnv, overrides);
  const { deadLetters } = runtime;
  const logger = overrides.logger ?? new Logger({ serviceName: 'freshindex-apply' });
  const metrics = new TypeMetrics(overrides.metrics ?? new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-apply' }), 'Apply');

  const serves = servedTypes(env.FRESHINDEX_APPLY_TYPES, runtime.types);
  const report = reporter({ deadLetters, logger, metrics, clock: runtime.clock, maxReceiveCount: env.FRESHINDEX_MAX_RECEIVE_COUNT });
  // Without a verify queue (a bench, a test of the apply path alone) no check is scheduled.
  const checks = env.FRESHINDEX_VERIFY_QUEUE_URL ? applyChecks({ scheduler: runtime.checkScheduler, types: runtime.types, clock: runtime.clock, logger, serves }) : undefined;

  return async (event, context) => {
    const parseErrors = new Map<string, InvalidChangeError>();
    const incoming: IncomingChange[] = [];
    for (const record of event.Records) {
      try {
        incoming.push({ key: record.messageId, change: parseChangeMessage(record.body) });
      } catch (error) {
        parseErrors.set(record.messageId, error as InvalidChangeError);
      }
    }
    const onEmbedded = metrics.embedded.bind(metrics);
    // The checks are sent while the changes are written, not after: the invocation takes about the longer of the two.
    const [unscheduled, dispatched] = await Promise.all([
      checks?.ofChanges(event.Records, incoming) ?? new Map<string, Unscheduled>(),
      dispatchChanges(runtime, incoming, { remainingMs: retryBudget(context), onEmbedded, ...(serves ? { serves } : {}) }),
    ]);
    await checks?.ofDerived(dispatched);

    /**
     * A message whose change was handled but whose check could not be scheduled: SQS redelivers
     * it (and the next receive schedules again) while that may help; then it is dead-lettered
     * with its reason, its write kept. A message whose own change is on the dead-letter queue
     * already is left there: a redrive applies it and schedules its check.
     */
    const settleUnscheduled = async (record: SQSRecord, results: readonly Dispatched[], check: Unscheduled): Promise<void> => {
      const lettered = (derived: boolean) => results.some((result) => result.derived === derived && (result.outcome.status === 'rejected' || result.outcome.status === 'failed'));
      if (lettered(false)) return;
      // Redelivered, a message whose derived change was dead-lettered here would be dead-lettered again: it goes now.
      const redeliverable = check.retryable && !lettered(true);
      const fate = failureFate(record, new Error(`handled, but its check could not be scheduled: ${check.reason}`), env.FRESHINDEX_MAX_RECEIVE_COUNT, redeliverable);
      if (fate.action === 'redeliver') {
        logger.warn('change handled, but its check could not be scheduled: SQS will redeliver it', { messageId: record.messageId, reason: check.reason });
        throw new Error(fate.reason);
      }
      const { change } = results[0] ?? {};
      await deadLetter({ deadLetters }, { body: record.body, keys: { messageId: record.messageId, ...(change ? { type: change.type, id: change.id } : {}) } }, fate.reason, fate.receiveCount);
      logger.error('change handled, but its check could not be scheduled: sent to the dead-letter queue', { messageId: record.messageId, reason: fate.reason });
      metrics.count(undefined, 'DeadLettered');
    };

    const handleRecord = async (record: SQSRecord): Promise<void> => {
      const parseError = parseErrors.get(record.messageId);
      if (parseError) {
        const rejected: ChangeOutcome = { status: 'rejected', type: '', id: '', reason: parseError.message };
        return void (await report(record, [{ outcome: rejected, body: record.body, keys: { messageId: record.messageId } }]));
      }
      const results = dispatched.get(record.messageId);
      if (!results) throw new Error(`no outcome for message ${record.messageId}`);
      const reported = results.map((result) => ({
        outcome: result.outcome,
        change: result.change,
        body: result.derived ? JSON.stringify(result.change) : record.body,
        keys: { messageId: record.messageId, type: result.change.listener ?? result.change.type, id: result.change.id },
      }));
      const { redeliver } = await report(record, reported);
      if (redeliver) throw redeliver.error;
      const check = unscheduled.get(record.messageId);
      if (check) await settleUnscheduled(record, results, check);
    };

    try {
      return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
    } finally {
      metrics.publish();
    }
  };
}

/** The share of an invocation's time kept back from retries, to dead-letter and answer: 10%, at least this much. */
const SAFETY_MARGIN_SHARE = 0.1;
const MIN_SAFETY_MARGIN_MS = 500;

/**
 * The time `applyChanges` may spend retrying: what the invocation has left, less a safety margin
 * (a tenth of the time it had at the start, at least 500 ms) for the dead letters and the answer.
 */
function retryBudget(context: Context): () => number {
  const margin = Math.max(MIN_SAFETY_MARGIN_MS, context.getRemainingTimeInMillis() * SAFETY_MARGIN_SHARE);
  return () => context.getRemainingTimeInMillis() - margin;
}
