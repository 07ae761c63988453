/**
 * The verify handler: SQS (the verify queue, fed by the apply functions' checks and by the
 * checker's own re-checks) → check each resource against its source once its settle time has come.
 * It still reads change events: the verify queue subscribed to the change topic (raw delivery)
 * before the apply functions scheduled the checks, and the messages such a deployment left on
 * the queue are checked after the upgrade (an SNS envelope is read too, for a queue a user
 * subscribed without raw delivery).
 * Thin by design: read the messages, put early ones back, call the core, shape the partial batch response.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import { describeError } from '../core/errors.ts';
import { checkResource, mergeTriggers, type CheckOutcome, type CheckTrigger, type VerifyDeps } from '../core/verify/check.ts';
import { describeRepair, repaired } from '../core/verify/compare.ts';
import { parseVerifyMessage } from '../core/verify/message.ts';
import type { CheckRequest } from '../core/verify/ports.ts';
import type { Runtime, RuntimeOverrides } from '../adapters/compose/index.ts';
import { parseEnv, runtimeFromEnv, type Environment } from '../adapters/compose/env.ts';
import type { SqsHandler } from './apply.ts';
import { TypeMetrics } from './metrics.ts';
import { failureFate } from './redelivery.ts';

/** Checks one copy of the function runs at once: the source it reads sees at most this many reads per copy. */
export const CHECKS_IN_FLIGHT = 10;

export interface VerifyHandlerOverrides extends RuntimeOverrides {
  /** @default process.env */
  env?: Environment;
  /** The bundle to run on (its `deadLetters` is this function's dead-letter queue). @default the composition root's, from `env` */
  runtime?: Runtime;
  /** Replaces what the checker runs on (unit tests); the queues still come from the runtime. */
  verify?: VerifyDeps;
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
 * `settleDelaySeconds` after SQS received it (`SentTimestamp`), a check message at its
 * `checkAfter`. An early message is put back on the queue for the remaining time (at most 900 s
 * per hop, SQS's longest delay) and acknowledged. Several messages of one resource in a batch
 * share one check.
 *
 * @example
 * // the generated Lambda entry:
 * import { config } from './freshindex.config.ts';
 * export const handler = createVerifyHandler(config);
 */
export function createVerifyHandler(configInput: FreshindexConfigInput, overrides: VerifyHandlerOverrides = {}): SqsHandler {
  const processEnv = overrides.env ?? process.env;
  const clock = overrides.clock ?? overrides.verify?.clock;
  const { env, runtime } = overrides.runtime
    ? { env: parseEnv('verify', processEnv), runtime: overrides.runtime }
    : runtimeFromEnv('verify', configInput, processEnv, { ...overrides, ...(clock ? { clock } : {}) });
  const deps = overrides.verify ?? verifyDeps(runtime);
  const settleDelaySeconds = (type: string) => deps.types.get(type)?.config.settleDelaySeconds;
  const { checkScheduler: requeue, deadLetters } = runtime;
  const logger = overrides.logger ?? new Logger({ serviceName: 'freshindex-verify' });
  const metrics = new TypeMetrics(overrides.metrics ?? new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-verify' }), 'Verify');

  const runCheck = async (request: CheckRequest, trigger: CheckTrigger): Promise<CheckOutcome> => {
    const count = (name: string) => metrics.count(request.type, name);
    const outcome = await checkResource(deps, request.type, request.id, trigger);
    if (outcome.status === 'superseded') {
      count('Superseded');
      return outcome;
    }
    count('Checked');
    count(outcome.status === 'equal' ? 'Equal' : 'Different');
    if (repaired(outcome.repair)) count('Repaired');
    else if (outcome.status === 'different') count('RepairRefused');
    if (outcome.quarantine === 'added') count('Quarantined');
    if (outcome.quarantine === 'released') count('Released');
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
    // Batches of 100 would otherwise read the source 100 at a time per copy (2,000 at the default 20 copies).
    const inFlight = pLimit(CHECKS_IN_FLIGHT);
    const checkOf = (request: CheckRequest): Promise<CheckOutcome> => {
      const key = resourceKey(request);
      let pending = checks.get(key);
      if (!pending) {
        const group = due.get(key);
        pending = inFlight(() => runCheck(request, mergeTriggers(group?.triggers ?? [])));
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
        metrics.count(undefined, 'DeadLettered');
        return;
      }
      const { request } = read;
      const keys = { messageId, type: request.type, id: request.id };
      if (request.checkAfter > now) {
        await requeue.schedule(request);
        logger.debug('check not due yet: put back', { ...keys, dueInMs: request.checkAfter - now });
        metrics.count(request.type, 'PutBack');
        return;
      }
      try {
        const outcome = await checkOf(request);
        logOutcome(logger, keys, outcome);
      } catch (error) {
        const fate = failureFate(record, error, env.FRESHINDEX_MAX_RECEIVE_COUNT);
        const { reason, receiveCount } = fate;
        if (fate.action === 'dead-letter') {
          await deadLetters.send(record.body, { reason, messageId, type: request.type, id: request.id, receiveCount });
          logger.error('check failed for good: sent to the dead-letter queue', { ...keys, reason });
          metrics.count(request.type, 'DeadLettered');
          return;
        }
        logger.warn('check failed: SQS will redeliver it', { ...keys, reason, receiveCount });
        metrics.count(request.type, 'Failed');
        throw error;
      }
    };

    try {
      return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
    } finally {
      metrics.publish();
    }
  };
}

/** The checker's dependencies in a composed runtime: its counters, its scheduler, its alerts. */
export function verifyDeps(runtime: Runtime): VerifyDeps {
  return { ...runtime, counters: runtime.differences, scheduler: runtime.checkScheduler };
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
