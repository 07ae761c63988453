/**
 * The ops API's Lambda handler behind API Gateway (HTTP API, IAM authorization), through
 * @fastify/aws-lambda. The local server on localhost is lambdas/local/api-server.ts.
 */
import awsLambdaFastify from '@fastify/aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { buildOpsApp } from '../api/app.ts';
import type { ApiLog, BuildLauncher, OpsDeps, StatusReader } from '../api/ports.ts';
import type { Runtime, RuntimeOverrides } from '../adapters/compose/index.ts';
import { parseEnv, runtimeFromEnv, type Environment } from '../adapters/compose/env.ts';
import { similarItemsOf } from '../adapters/compose/vectors.ts';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import type { MetricsReader } from '../core/metrics.ts';

export { RebuildUnavailableError } from '../adapters/compose/index.ts';

/** Clients and parts a caller may replace (tests, the local runtime). */
export interface ApiOverrides extends RuntimeOverrides {
  /** @default process.env */
  env?: Environment;
  /** The bundle to run on. @default the composition root's, from `env` */
  runtime?: Runtime;
  /** Starts rebuilds (the local runtime plugs in a child process). @default the runtime's (AWS Batch from the environment) */
  launcher?: BuildLauncher;
  /** @default build and audit records of the runtime's control stores */
  status?: StatusReader;
  log?: ApiLog;
  /** @default the runtime's (CloudWatch); the local runtime plugs in its in-memory ring */
  metrics?: MetricsReader;
  /** Replaces every dependency (unit tests). */
  deps?: OpsDeps;
}

/**
 * The ops API's dependencies from a config and the environment: the bundle of the composition
 * root (index, build control, reservations, counters, the launcher) and the API's own settings.
 */
export function createOpsDeps(configInput: FreshindexConfigInput, overrides: ApiOverrides = {}): OpsDeps {
  if (overrides.deps) return overrides.deps;
  const processEnv = overrides.env ?? process.env;
  const { env, runtime } = overrides.runtime
    ? { env: parseEnv('api', processEnv), runtime: overrides.runtime }
    : runtimeFromEnv('api', configInput, processEnv, overrides);
  const { builds, auditReports } = runtime;
  return {
    types: runtime.types,
    records: runtime.records,
    pointerStore: runtime.pointerStore,
    pointers: runtime.pointers,
    catchUp: runtime.catchUp,
    quarantine: runtime.quarantine,
    counters: runtime.differences,
    // A deployment's API knows the verify queue (FRESHINDEX_DEAD_LETTERS_VERIFY_QUEUE_URL); without it a release schedules no check.
    ...(runtime.settings.verifyQueueUrl ? { scheduler: runtime.checkScheduler } : {}),
    status: overrides.status ?? {
      latestBuild: (type) => builds.latest(type),
      recentBuilds: (type, limit) => builds.list(type, limit),
      latestAudit: (type) => auditReports.latest(type),
    },
    launcher: overrides.launcher ?? runtime.buildLauncher,
    leases: builds,
    reservations: runtime.reservations,
    reservationTtlMs: env.FRESHINDEX_REBUILD_RESERVATION_SECONDS * 1000,
    // Undefined on stores without a cheaper count: `?count=exact` then scans the configured store's records.
    ...(runtime.counter ? { counter: runtime.counter } : {}),
    metrics: overrides.metrics ?? runtime.metricsReader,
    deadLetters: runtime.deadLetterInboxes,
    similar: similarItemsOf(runtime),
    clock: runtime.clock,
    log: overrides.log ?? powertoolsLog(new Logger({ serviceName: 'freshindex-api' })),
  };
}

function powertoolsLog(logger: Logger): ApiLog {
  return {
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    error: (message, attributes) => logger.error(message, attributes ?? {}),
  };
}

export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<awsLambdaFastify.LambdaResponse>;

/**
 * Builds the ops API's Lambda handler for a config (API Gateway HTTP API, payload 2.0). The
 * environment, clients and the app are set up once, at cold start.
 *
 * @example
 * // the generated Lambda entry:
 * import { config } from './freshindex.config.ts';
 * export const handler = createApiHandler(config);
 */
export function createApiHandler(configInput: FreshindexConfigInput, overrides: ApiOverrides = {}): ApiHandler {
  const app = buildOpsApp(createOpsDeps(configInput, overrides));
  const proxy = awsLambdaFastify<APIGatewayProxyEventV2>(app, { decorateRequest: true, callbackWaitsForEmptyEventLoop: false });
  const ready = app.ready();
  return async (event, context) => {
    await ready;
    return proxy(event, context);
  };
}
