/**
 * The apply handler: SQS (fed by the change topic) → apply each change to the index.
 * Thin by design: parse the messages, call the core (which retries transient failures within the
 * invocation's remaining time, less a safety margin), shape the partial batch response. A change
 * that can never apply is dead-lettered at once with its reason; one that failed is redelivered,
 * and dead-lettered on its last delivery (docs/architecture.md, "Outcomes").
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { applyChanges, type ChangeOutcome, type IncomingChange } from '../core/apply.ts';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import { describeError, InvalidChangeError, isWidespread } from '../core/errors.ts';
import { parseChangeMessage } from '../core/events.ts';
import type { Runtime, RuntimeOverrides } from '../adapters/compose/index.ts';
import { parseEnv, runtimeFromEnv, type Environment } from '../adapters/compose/env.ts';
import { TypeMetrics } from './metrics.ts';
import { failureFate } from './redelivery.ts';

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
    const outcomes = await applyChanges(runtime, incoming, { remainingMs: retryBudget(context) });
    const changeOf = new Map(incoming.map((item) => [item.key, item.change]));

    const handleRecord = async (record: SQSRecord): Promise<void> => {
      const change = changeOf.get(record.messageId);
      const keys = { messageId: record.messageId, type: change?.type, id: change?.id };
      const parseError = parseErrors.get(record.messageId);
      const outcome: ChangeOutcome | undefined = parseError
        ? { status: 'rejected', type: '', id: '', reason: parseError.message }
        : outcomes.get(record.messageId);
      if (!outcome) throw new Error(`no outcome for message ${record.messageId}`);
      const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');

      switch (outcome.status) {
        case 'rejected':
          await deadLetters.send(record.body, { reason: outcome.reason, messageId: record.messageId, ...definedKeys(keys), receiveCount });
          logger.warn('change rejected: sent to the dead-letter queue', { ...keys, reason: outcome.reason });
          metrics.count(keys.type, 'Rejected');
          return;
        case 'failed': {
          metrics.count(keys.type, 'Failed');
          if (isWidespread(outcome.error)) {
            // Not this change's fault: the source or the store refuses every call (credentials, permissions).
            metrics.count(keys.type, 'WidespreadFailures');
            logger.error('the source or the index refuses every call of this type: check its credentials and permissions', { ...keys, reason: describeError(outcome.error), receiveCount });
          }
          const fate = failureFate(record, outcome.error, env.FRESHINDEX_MAX_RECEIVE_COUNT, true);
          if (fate.action === 'dead-letter') {
            await deadLetters.send(record.body, { reason: fate.reason, messageId: record.messageId, ...definedKeys(keys), receiveCount });
            logger.error('change failed on its last delivery: sent to the dead-letter queue', { ...keys, reason: fate.reason, receiveCount });
            metrics.count(keys.type, 'DeadLettered');
            return;
          }
          logger.warn('change failed: SQS will redeliver it', { ...keys, reason: fate.reason, receiveCount });
          throw outcome.error;
        }
        case 'stale':
        case 'unchanged':
        case 'superseded':
          logger.debug(`change skipped (${outcome.status})`, keys);
          metrics.count(keys.type, outcome.status === 'unchanged' ? 'SkippedUnchanged' : 'SkippedStale');
          return;
        case 'applied': {
          logger.info('change applied', { ...keys, op: outcome.op, version: outcome.version });
          metrics.count(keys.type, 'Applied');
          const occurredAt = change?.occurredAt ? Date.parse(change.occurredAt) : Number.NaN;
          if (Number.isFinite(occurredAt)) {
            metrics.add(keys.type, 'FreshnessLag', MetricUnit.Milliseconds, Math.max(0, runtime.clock() - occurredAt));
          }
          return;
        }
      }
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

function definedKeys(keys: { type: string | undefined; id: string | undefined }): { type?: string; id?: string } {
  return { ...(keys.type ? { type: keys.type } : {}), ...(keys.id ? { id: keys.id } : {}) };
}
