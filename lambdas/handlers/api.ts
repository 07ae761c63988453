/**
 * The ops API's entry points: the Lambda handler behind API Gateway (HTTP API, IAM
 * authorization) through @fastify/aws-lambda, and a local server on localhost.
 */
import type { AddressInfo } from 'node:net';
import awsLambdaFastify from '@fastify/aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import type { BatchClient } from '@aws-sdk/client-batch';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { buildOpsApp } from '../api/app.ts';
import { isLoopbackHost } from '../api/loopback.ts';
import type { ApiLog, BuildLauncher, OpsDeps, StatusReader } from '../api/ports.ts';
import type { Runtime, RuntimeOverrides } from '../adapters/compose.ts';
import { BatchBuildLauncher } from '../adapters/batch/build-launcher.ts';
import { DynamoAuditReportStore } from '../adapters/dynamodb/audit-reports.ts';
import { DynamoGenerationCounter } from '../adapters/dynamodb/build-counter.ts';
import { DynamoBuildControl } from '../adapters/dynamodb/builds.ts';
import { DynamoDifferenceCounters } from '../adapters/dynamodb/checks.ts';
import { DynamoBuildReservations } from '../adapters/dynamodb/reservations.ts';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import { FreshindexError } from '../core/errors.ts';
import { parseEnv, runtimeFromEnv, tableEnv } from './env.ts';

const apiEnv = {
  ...tableEnv,
  /** Where rebuilds are submitted. Without both, POST .../rebuild answers 501 (unless a launcher is injected). */
  FRESHINDEX_JOB_QUEUE: z.string().min(1).optional(),
  FRESHINDEX_JOB_DEFINITION: z.string().min(1).optional(),
  /** How long a rebuild request holds the type when its job never starts (then a new request is accepted). */
  FRESHINDEX_REBUILD_RESERVATION_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
};

/** Clients and parts a caller may replace (tests, the local runtime). */
export interface ApiOverrides extends RuntimeOverrides {
  env?: NodeJS.ProcessEnv;
  runtime?: Runtime;
  /** Starts rebuilds (the local runtime plugs in a child process). @default AWS Batch from the environment */
  launcher?: BuildLauncher;
  /** @default build and audit records from the control table */
  status?: StatusReader;
  batch?: BatchClient;
  log?: ApiLog;
  /** Replaces every dependency (unit tests). */
  deps?: OpsDeps;
}

/** Rebuilds cannot be submitted: this deployment has no job queue. */
export class RebuildUnavailableError extends FreshindexError {
  override readonly status = 501;
  constructor() {
    super('rebuilds cannot be submitted from here: FRESHINDEX_JOB_QUEUE and FRESHINDEX_JOB_DEFINITION are not set and no launcher was given');
    this.name = 'RebuildUnavailableError';
  }
}

const unavailableLauncher: BuildLauncher = {
  submit: async () => {
    throw new RebuildUnavailableError();
  },
};

/**
 * The ops API's dependencies from a config and the environment: the runtime's stores, the
 * control table's build, audit and checker records, and the Batch launcher.
 */
export function createOpsDeps(configInput: FreshindexConfigInput, overrides: ApiOverrides = {}): OpsDeps {
  if (overrides.deps) return overrides.deps;
  const processEnv = overrides.env ?? process.env;
  const env = parseEnv(apiEnv, processEnv);
  const runtime =
    overrides.runtime ??
    runtimeFromEnv(configInput, env, processEnv, overrides);
  const { documentClient: client } = runtime;
  const controlTable = runtime.settings.controlTable;
  const builds = new DynamoBuildControl(client, controlTable);
  const audits = new DynamoAuditReportStore(client, controlTable);
  const launcher =
    overrides.launcher ??
    (env.FRESHINDEX_JOB_QUEUE && env.FRESHINDEX_JOB_DEFINITION
      ? new BatchBuildLauncher({
          jobQueue: env.FRESHINDEX_JOB_QUEUE,
          jobDefinition: env.FRESHINDEX_JOB_DEFINITION,
          ...(overrides.batch ? { client: overrides.batch } : {}),
          clock: runtime.clock,
        })
      : unavailableLauncher);
  return {
    types: runtime.types,
    store: runtime.store,
    pointers: runtime.pointers,
    catchUp: runtime.catchUp,
    quarantine: runtime.quarantine,
    counters: new DynamoDifferenceCounters(client, controlTable, runtime.clock),
    status: overrides.status ?? {
      latestBuild: (type) => builds.latest(type),
      recentBuilds: (type, limit) => builds.list(type, limit),
      latestAudit: (type) => audits.latest(type),
    },
    launcher,
    leases: builds,
    reservations: new DynamoBuildReservations(client, controlTable),
    reservationTtlMs: env.FRESHINDEX_REBUILD_RESERVATION_SECONDS * 1000,
    counter: new DynamoGenerationCounter(client, runtime.settings.indexTable),
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

/** Options of {@link startApiServer}. */
export interface ApiServerOptions extends ApiOverrides {
  config: FreshindexConfigInput;
  /** @default 0 (a free port) */
  port?: number;
  /** A loopback address: locally the API has no authentication. @default '127.0.0.1' */
  host?: string;
}

/** A running local API. */
export interface ApiServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Serves the ops API on localhost (the local runtime, tests). No authentication: it listens on a
 * loopback address only (any other host is refused) and refuses requests a web page or a rebound
 * host name could send (foreign `Origin`, non-loopback `Host`: 403).
 *
 * @example
 * const server = await startApiServer({ config, port: 4000 });
 * // curl http://127.0.0.1:4000/v1/types
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { config, port = 0, host = '127.0.0.1', ...overrides } = options;
  if (!isLoopbackHost(host)) throw new Error(`the local ops API has no authentication: it listens on loopback only, not on ${host}`);
  const app = buildOpsApp(createOpsDeps(config, overrides), { loopbackOnly: true });
  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`, app, close: () => app.close() };
}
