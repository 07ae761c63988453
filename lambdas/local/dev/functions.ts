/**
 * The template's queue consumers, run in-process: each function's handler factory gets the
 * function's own environment from the template (resolved to local names), and an SQS event
 * source poller reads its queue with the mapping's batch size and batching window.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { RecordingMetrics, type MetricRing, type Runtime } from '../../adapters/compose/index.ts';
import { runtimeFromEnv } from '../../adapters/compose/env.ts';
import type { FreshindexConfig } from '../../core/config/index.ts';
import { createApplyHandler, type SqsHandler } from '../../handlers/apply.ts';
import { createVerifyHandler } from '../../handlers/verify.ts';
import { SqsEventSource, type EventSourceStage } from '../event-source.ts';
import { withLocalRedis } from './redis.ts';
import type { PlannedFunction } from './template-plan.ts';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export interface FunctionClients {
  sqs: SQSClient;
  sns: SNSClient;
  dynamodb: DynamoDBClient;
}

export interface RunningConsumers {
  /** One per queue consumer, by role. */
  pollers: Array<{ role: string; functionName: string; poller: SqsEventSource }>;
  stop(): Promise<void>;
}

/** The default parallel pollers per mapping when the template sets no MaximumConcurrency. */
const DEFAULT_POLLERS = 2;
/** A laptop needs no more: MaximumConcurrency is a ceiling Lambda scales towards, not a start. */
const MAX_LOCAL_POLLERS = 4;

/**
 * A function's runtime over its environment from the template, as its Lambda builds it at cold
 * start: the same environment module and composition root, with the local clients.
 */
export function runtimeFor(
  entry: 'apply' | 'verify' | 'api',
  config: FreshindexConfig,
  env: Record<string, string>,
  clients: Partial<FunctionClients>,
): Runtime {
  return runtimeFromEnv(entry, config, { ...process.env, ...env }, clients).runtime;
}

/** Starts the apply and verify consumers of the plan. */
export async function startConsumers(
  functions: readonly PlannedFunction[],
  config: FreshindexConfig,
  clients: FunctionClients,
  options: { redisUrl?: string; logLevel: LogLevel; onError: (error: unknown, where: string) => void; metrics?: MetricRing },
): Promise<RunningConsumers> {
  const pollers: RunningConsumers['pollers'] = [];
  const runtimes: Runtime[] = [];
  try {
    for (const planned of functions) {
      if (planned.role === 'api' || !planned.mapping?.queueUrl) continue;
      const { fn, mapping } = planned;
      const env = withLocalRedis(fn.environment, options.redisUrl);
      const role = planned.role === 'apply' ? 'apply' : 'verify';
      const runtime = runtimeFor(role, config, env, clients);
      runtimes.push(runtime);
      const logger = new Logger({ serviceName: `freshindex-${planned.role}`, logLevel: options.logLevel });
      const metricsOptions = { namespace: 'freshindex', serviceName: `freshindex-${planned.role}` };
      // The console's charts read what the handlers publish from the ring.
      const metrics = options.metrics ? new RecordingMetrics(options.metrics, metricsOptions) : new Metrics(metricsOptions);
      const handler: SqsHandler = (role === 'apply' ? createApplyHandler : createVerifyHandler)(config, { env, runtime, logger, metrics });
      const poller = new SqsEventSource({
        sqs: clients.sqs,
        queueUrl: mapping.queueUrl as string,
        ...(mapping.queueArn ? { queueArn: mapping.queueArn } : {}),
        handler,
        batchSize: mapping.batchSize,
        maxBatchingWindowMs: mapping.maxBatchingWindowMs,
        reportBatchItemFailures: mapping.reportBatchItemFailures,
        concurrency: Math.min(mapping.maximumConcurrency ?? DEFAULT_POLLERS, MAX_LOCAL_POLLERS),
        functionName: fn.name,
        functionTimeoutMs: fn.timeoutSeconds * 1000,
        onError: (error: unknown, stage: EventSourceStage) => options.onError(error, `${planned.role} poller (${stage})`),
      });
      if (!mapping.enabled) continue;
      await poller.start();
      pollers.push({ role: planned.role, functionName: fn.name, poller });
    }
  } catch (error) {
    await Promise.allSettled(pollers.map(({ poller }) => poller.stop()));
    await Promise.allSettled(runtimes.map((runtime) => runtime.close()));
    throw error;
  }
  return {
    pollers,
    async stop() {
      await Promise.allSettled(pollers.map(({ poller }) => poller.stop()));
      await Promise.allSettled(runtimes.map((runtime) => runtime.close()));
    },
  };
}
