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
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { applyChanges, type ChangeOutcome, type IncomingChange } from '../core/apply.ts';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import { describeError, InvalidChangeError, isWidespread } from '../core/errors.ts';
import { parseChangeMessage } from '../core/events.ts';
import type { Runtime, RuntimeOverrides } from '../adapters/compose.ts';
import { DeadLetterQueue } from '../adapters/sqs/dead-letter.ts';
import { parseEnv, runtimeFromEnv, tableEnv } from './env.ts';

const applyEnv = {
  ...tableEnv,
  FRESHINDEX_APPLY_DLQ_URL: z.string().min(1),
  /** The queue's maxReceiveCount: the last delivery dead-letters a failing change itself, with its reason. */
  FRESHINDEX_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).default(5),
};

export interface ApplyHandlerOverrides extends RuntimeOverrides {
  env?: NodeJS.ProcessEnv;
  runtime?: Runtime;
  sqs?: SQSClient;
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
  const env = parseEnv(applyEnv, processEnv);
  const runtime =
    overrides.runtime ??
    runtimeFromEnv(configInput, env, processEnv, overrides);
  const deadLetters = new DeadLetterQueue(overrides.sqs ?? new SQSClient({}), env.FRESHINDEX_APPLY_DLQ_URL);
  const logger = overrides.logger ?? new Logger({ serviceName: 'freshindex-apply' });
  const metrics = overrides.metrics ?? new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-apply' });

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
          metrics.addMetric('rejected', MetricUnit.Count, 1);
          return;
        case 'failed': {
          const reason = describeError(outcome.error);
          metrics.addMetric('failed', MetricUnit.Count, 1);
          if (isWidespread(outcome.error)) {
            // Not this change's fault: the source or the store refuses every call (credentials, permissions).
            metrics.addMetric('widespreadFailures', MetricUnit.Count, 1);
            logger.error('the source or the index refuses every call of this type: check its credentials and permissions', { ...keys, reason, receiveCount });
          }
          if (receiveCount >= env.FRESHINDEX_MAX_RECEIVE_COUNT) {
            await deadLetters.send(record.body, { reason: `gave up after ${receiveCount} deliveries: ${reason}`, messageId: record.messageId, ...definedKeys(keys), receiveCount });
            logger.error('change failed on its last delivery: sent to the dead-letter queue', { ...keys, reason, receiveCount });
            return;
          }
          logger.warn('change failed: SQS will redeliver it', { ...keys, reason, receiveCount });
          throw outcome.error;
        }
        case 'stale':
        case 'unchanged':
        case 'superseded':
          logger.debug(`change skipped (${outcome.status})`, keys);
          metrics.addMetric(outcome.status === 'unchanged' ? 'skippedUnchanged' : 'skippedStale', MetricUnit.Count, 1);
          return;
        case 'applied': {
          logger.info('change applied', { ...keys, op: outcome.op, version: outcome.version });
          metrics.addMetric('applied', MetricUnit.Count, 1);
          const occurredAt = change?.occurredAt ? Date.parse(change.occurredAt) : Number.NaN;
          if (Number.isFinite(occurredAt)) {
            metrics.addMetric('freshnessLag', MetricUnit.Milliseconds, Math.max(0, runtime.clock() - occurredAt));
          }
          return;
        }
      }
    };

    try {
      return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
    } finally {
      metrics.publishStoredMetrics();
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
