import { hostname } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createDynamoClient, createRuntime, type Runtime } from '../adapters/compose.ts';
import { DynamoBuildControl } from '../adapters/dynamodb/builds.ts';
import { DynamoBuildReservations } from '../adapters/dynamodb/reservations.ts';
import { DynamoTableCapacity } from '../adapters/dynamodb/capacity.ts';
import type { SourceDeps } from '../adapters/sources/index.ts';
import { SnsNotifier } from '../adapters/sns/notifier.ts';
import type { FreshindexConfig, FreshindexConfigInput } from '../core/config/index.ts';
import type { Clock, Notifier } from '../core/ports.ts';
import type { CapacityProbe, ChildLoader, GenerationCounter, TableWarmer } from '../core/rebuild/index.ts';
import { ChildProcessLoader } from '../adapters/batch/child-processes.ts';
import type { JobEnv } from './env.ts';

/** What every job command gets. */
export interface JobContext {
  runtime: Runtime;
  env: JobEnv;
  control: DynamoBuildControl;
  /** The ops API's build reservations, settled by the rebuild once it takes the lease. */
  reservations: DynamoBuildReservations;
  /** Counts a generation with `Select: COUNT` on DynamoDB; undefined on other stores (the rebuild then scans). */
  counter: GenerationCounter | undefined;
  /** The index table's capacity mode on DynamoDB (sets the clean-up rate); undefined on other stores. */
  capacity: (CapacityProbe & TableWarmer) | undefined;
  /** Runs a split load's children (locally as child processes); undefined: every build loads itself. */
  children: ChildLoader | undefined;
  notifier: Notifier;
  logger: Logger;
  metrics: Metrics;
  /** Who runs the job: the Batch job id, else host and pid. */
  holder: string;
  /** Aborts on SIGTERM (AWS Batch stopping the job) or Ctrl-C. */
  signal: AbortSignal;
}

/** Clients and hooks tests inject instead of the defaults. */
export interface JobOverrides {
  dynamodb?: DynamoDBClient;
  sns?: SNSClient;
  notifier?: Notifier;
  sourceDeps?: Partial<SourceDeps>;
  clock?: Clock;
  logger?: Logger;
  signal?: AbortSignal;
  children?: ChildLoader;
}

/** Builds the job's context: the runtime of the composition root plus the rebuild's own adapters. */
export function createJobContext(
  configInput: FreshindexConfigInput | FreshindexConfig,
  env: JobEnv,
  /** The process environment, handed to the sources (an HTTP source's `auth.env`), as the handlers do. */
  processEnv: Readonly<Record<string, string | undefined>>,
  overrides: JobOverrides = {},
): JobContext {
  const region = env.AWS_REGION;
  const endpoint = (service: string | undefined) => service ?? env.AWS_ENDPOINT_URL;
  const dynamodb =
    overrides.dynamodb ??
    createDynamoClient({ ...(region ? { region } : {}), ...(endpoint(env.AWS_ENDPOINT_URL_DYNAMODB) ? { endpoint: endpoint(env.AWS_ENDPOINT_URL_DYNAMODB) } : {}) });
  const runtime = createRuntime(
    configInput,
    { indexTable: env.FRESHINDEX_INDEX_TABLE, controlTable: env.FRESHINDEX_CONTROL_TABLE, redisUrl: env.FRESHINDEX_REDIS_URL },
    { dynamodb, ...(overrides.clock ? { clock: overrides.clock } : {}), sourceDeps: { env: processEnv, ...overrides.sourceDeps } },
  );
  const notifier =
    overrides.notifier ??
    new SnsNotifier(
      overrides.sns ?? new SNSClient({ ...(region ? { region } : {}), ...(endpoint(env.AWS_ENDPOINT_URL_SNS) ? { endpoint: endpoint(env.AWS_ENDPOINT_URL_SNS) } : {}) }),
      {
        ...(env.FRESHINDEX_ALERTS_TOPIC_ARN ? { alertsTopicArn: env.FRESHINDEX_ALERTS_TOPIC_ARN } : {}),
        ...(env.FRESHINDEX_NOTIFICATIONS_TOPIC_ARN ? { notificationsTopicArn: env.FRESHINDEX_NOTIFICATIONS_TOPIC_ARN } : {}),
      },
    );
  return {
    runtime,
    env,
    control: new DynamoBuildControl(runtime.documentClient, env.FRESHINDEX_CONTROL_TABLE),
    reservations: new DynamoBuildReservations(runtime.documentClient, env.FRESHINDEX_CONTROL_TABLE),
    counter: runtime.counter,
    capacity: runtime.config.store.type === 'dynamodb' ? new DynamoTableCapacity(dynamodb, env.FRESHINDEX_INDEX_TABLE) : undefined,
    children: overrides.children ?? childLoader(env, processEnv),
    notifier,
    logger: overrides.logger ?? new Logger({ serviceName: 'freshindex-jobs' }),
    metrics: new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-jobs' }),
    holder: env.AWS_BATCH_JOB_ID ? `batch:${env.AWS_BATCH_JOB_ID}` : `${hostname()}:${process.pid}`,
    signal: overrides.signal ?? new AbortController().signal,
  };
}

/**
 * Child processes for a split load when FRESHINDEX_REBUILD_CHILDREN asks for more than one, outside
 * AWS Batch (on Batch the children are an array job's; not wired yet: docs/rebuild.md).
 */
function childLoader(env: JobEnv, processEnv: Readonly<Record<string, string | undefined>>): ChildLoader | undefined {
  if ((env.FRESHINDEX_REBUILD_CHILDREN ?? 1) <= 1 || env.AWS_BATCH_JOB_ID !== undefined) return undefined;
  return new ChildProcessLoader({ configPath: processEnv['FRESHINDEX_CONFIG'] ?? './freshindex.config.ts', env: processEnv });
}
