/**
 * The verify handler: SQS (the verify queue, fed by the change topic and by the checker's own
 * re-checks) → check each resource against its source once its settle time has come.
 * Thin by design: read the messages, put early ones back, call the core, shape the partial batch response.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import { describeError, isRetryable } from '../core/errors.ts';
import { checkResource, mergeTriggers, type CheckOutcome, type CheckTrigger, type VerifyDeps } from '../core/verify/check.ts';
import { describeRepair, repaired } from '../core/verify/compare.ts';
import { parseVerifyMessage } from '../core/verify/message.ts';
import type { CheckRequest } from '../core/verify/ports.ts';
import type { Runtime, RuntimeOverrides } from '../adapters/compose.ts';
import { DynamoDifferenceCounters } from '../adapters/dynamodb/checks.ts';
import { SnsNotifier } from '../adapters/sns/notifier.ts';
import { SqsCheckScheduler } from '../adapters/sqs/check-scheduler.ts';
import { DeadLetterQueue } from '../adapters/sqs/dead-letter.ts';
import type { SqsHandler } from './apply.ts';
import { parseEnv, runtimeFromEnv, tableEnv } from './env.ts';

const verifyEnv = {
  ...tableEnv,
  FRESHINDEX_VERIFY_QUEUE_URL: z.string().min(1),
  FRESHINDEX_VERIFY_DLQ_URL: z.string().min(1),
  /** Alerts go nowhere when unset (local runs without alerting). */
  FRESHINDEX_ALERTS_TOPIC_ARN: z.string().min(1).optional(),
  /** The queue's maxReceiveCount: the last delivery dead-letters a failing check itself, with its reason. */
  FRESHINDEX_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).default(5),
};

export interface VerifyHandlerOverrides extends RuntimeOverrides {
  env?: NodeJS.ProcessEnv;
  /** Replaces everything the checker runs on (unit tests). */
  verify?: VerifyDeps;
  sqs?: SQSClient;
  sns?: SNSClient;
  logger?: Logger;
  metrics?: Metrics;
}

/** A message of the batch, read: the check it asks for, or why it cannot be read. */
type Read = { record: SQSRecord; request: CheckRequest } | { record: SQSRecord; error: unknown };

/**
 * Builds the verify Lambda handler for a config. Environment and clients are resolved once, at
 * cold start.
 *
 * A message is never checked before its settle time: a change event is due the type's
 * `settleDelaySeconds` after SQS received it (`SentTimestamp`), a re-check at its `checkAfter`.
 * An early message is put back on the queue for the remaining time (at most 900 s per hop) and
 * acknowledged, because SQS delays are per queue, not per type, and local emulators ignore the
 * subscription's delivery delay. Several messages of one resource in a batch share one check.
 *
 * @example
 * // the generated Lambda entry:
 * import { config } from './freshindex.config.ts';
 * export const handler = createVerifyHandler(config);
 */
export function createVerifyHandler(configInput: FreshindexConfigInput, overrides: VerifyHandlerOverrides = {}): SqsHandler {
  const env = parseEnv(verifyEnv, overrides.env);
  const sqs = overrides.sqs ?? new SQSClient({});
  const deps = overrides.verify ?? composeVerify(configInput, env, sqs, overrides);
  const settleDelaySeconds = (type: string) => deps.types.get(type)?.config.settleDelaySeconds;
  const requeue = new SqsCheckScheduler(sqs, env.FRESHINDEX_VERIFY_QUEUE_URL, deps.clock);
  const deadLetters = new DeadLetterQueue(sqs, env.FRESHINDEX_VERIFY_DLQ_URL);
  const logger = overrides.logger ?? new Logger({ serviceName: 'freshindex-verify' });
  const metrics = overrides.metrics ?? new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-verify' });
  const count = (name: string) => metrics.addMetric(name, MetricUnit.Count, 1);

  const runCheck = async (request: CheckRequest, trigger: CheckTrigger): Promise<CheckOutcome> => {
    const outcome = await checkResource(deps, request.type, request.id, trigger);
    if (outcome.status === 'superseded') {
      count('superseded');
      return outcome;
    }
    count('checked');
    count(outcome.status === 'equal' ? 'equal' : 'different');
    if (repaired(outcome.repair)) count('repaired');
    else if (outcome.status === 'different') count('repairRefused');
    if (outcome.quarantine === 'added') count('quarantined');
    if (outcome.quarantine === 'released') count('released');
    return outcome;
  };

  return async (event, context) => {
    const now = deps.clock();
    const reads: Read[] = event.Records.map((record) => {
      try {
        return { record, request: parseVerifyMessage(record.body, Number(record.attributes.SentTimestamp) || now, settleDelaySeconds) };
      } catch (error) {
        return { record, error };
      }
    });
    const readOf = new Map(reads.map((read) => [read.record.messageId, read]));
    // One check per resource and batch, whatever number of its messages are due.
    const due = new Map<string, { request: CheckRequest; triggers: CheckTrigger[] }>();
    for (const read of reads) {
      if (!('request' in read) || read.request.checkAfter > now) continue;
      const { request } = read;
      const group = due.get(resourceKey(request)) ?? { request, triggers: [] };
      group.triggers.push(request.trigger === 'change' ? { kind: 'change' } : { kind: 'recheck', dueTimes: [request.checkAfter] });
      due.set(resourceKey(request), group);
    }
    const checks = new Map<string, Promise<CheckOutcome>>();
    const checkOf = (request: CheckRequest): Promise<CheckOutcome> => {
      const key = resourceKey(request);
      let pending = checks.get(key);
      if (!pending) {
        const group = due.get(key);
        pending = runCheck(request, mergeTriggers(group?.triggers ?? []));
        checks.set(key, pending);
      }
      return pending;
    };

    const handleRecord = async (record: SQSRecord): Promise<void> => {
      const read = readOf.get(record.messageId) as Read;
      const messageId = record.messageId;
      if ('error' in read) {
        const reason = describeError(read.error);
        await deadLetters.send(record.body, { reason, messageId });
        logger.warn('verify message rejected: sent to the dead-letter queue', { messageId, reason });
        count('deadLettered');
        return;
      }
      const { request } = read;
      const keys = { messageId, type: request.type, id: request.id };
      if (request.checkAfter > now) {
        await requeue.schedule(request);
        logger.debug('check not due yet: put back', { ...keys, dueInMs: request.checkAfter - now });
        count('putBack');
        return;
      }
      try {
        const outcome = await checkOf(request);
        logOutcome(logger, keys, outcome);
      } catch (error) {
        const reason = describeError(error);
        const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
        if (!isRetryable(error) || receiveCount >= env.FRESHINDEX_MAX_RECEIVE_COUNT) {
          const why = isRetryable(error) ? `gave up after ${receiveCount} attempts: ${reason}` : reason;
          await deadLetters.send(record.body, { reason: why, messageId, type: request.type, id: request.id, receiveCount });
          logger.error('check failed for good: sent to the dead-letter queue', { ...keys, reason: why });
          count('deadLettered');
          return;
        }
        logger.warn('check failed: SQS will redeliver it', { ...keys, reason, receiveCount });
        count('failed');
        throw error;
      }
    };

    try {
      return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

function composeVerify(
  configInput: FreshindexConfigInput,
  env: z.output<z.ZodObject<typeof verifyEnv>>,
  sqs: SQSClient,
  overrides: VerifyHandlerOverrides,
): VerifyDeps {
  const runtime = runtimeFromEnv(configInput, env, overrides.env ?? process.env, overrides);
  return createVerifyDeps(runtime, {
    verifyQueueUrl: env.FRESHINDEX_VERIFY_QUEUE_URL,
    ...(env.FRESHINDEX_ALERTS_TOPIC_ARN ? { alertsTopicArn: env.FRESHINDEX_ALERTS_TOPIC_ARN } : {}),
    sqs,
    sns: overrides.sns ?? new SNSClient({}),
  });
}

/** The checker's dependencies on a composed runtime: its counters, its scheduler, its alerts. */
export function createVerifyDeps(
  runtime: Runtime,
  settings: { verifyQueueUrl: string; alertsTopicArn?: string; sqs: SQSClient; sns: SNSClient },
): VerifyDeps {
  return {
    ...runtime,
    counters: new DynamoDifferenceCounters(runtime.documentClient, runtime.settings.controlTable, runtime.clock),
    scheduler: new SqsCheckScheduler(settings.sqs, settings.verifyQueueUrl, runtime.clock),
    notifier: new SnsNotifier(settings.sns, settings.alertsTopicArn ? { alertsTopicArn: settings.alertsTopicArn } : {}),
  };
}

function resourceKey(request: { type: string; id: string }): string {
  return `${request.type}\u0000${request.id}`;
}

function logOutcome(logger: Logger, keys: { messageId: string; type: string; id: string }, outcome: CheckOutcome): void {
  switch (outcome.status) {
    case 'superseded':
      logger.debug('re-check superseded by a newer check: dropped', keys);
      return;
    case 'equal':
      if (outcome.quarantine === 'released') logger.info('resource released from quarantine after clean checks', { ...keys, cleanChecks: outcome.counters?.cleanChecks });
      else logger.debug('index matches the source', { ...keys, quarantine: outcome.quarantine });
      return;
    case 'different':
      logger.warn(`index differs from the source: ${describeRepair(outcome.repair)}${outcome.quarantine === 'added' ? '; resource quarantined' : ''}`, {
        ...keys,
        difference: outcome.difference?.summary,
        repair: outcome.repair,
        differences: outcome.counters?.differences,
        quarantine: outcome.quarantine,
        recheckAt: outcome.recheckAt === undefined ? undefined : new Date(outcome.recheckAt).toISOString(),
      });
      return;
  }
}
