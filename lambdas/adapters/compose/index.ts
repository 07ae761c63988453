/**
 * The composition root: turns a validated config and a deployment's settings into the bundle of
 * ports every entry point runs on (handlers, jobs, the ops API, the local runtime). The one place
 * that maps a config's `type` discriminators to implementations and holds SDK clients.
 */
import type { ApplyDeps, ResolvedType } from '../../core/apply.ts';
import type { BuildLauncher } from '../../core/build-launcher.ts';
import { validateConfig, type FreshindexConfig, type FreshindexConfigInput } from '../../core/config/index.ts';
import { PointerCache } from '../../core/pointer-cache.ts';
import { systemClock, type Clock, type Notifier, type RecordStore } from '../../core/ports.ts';
import type { MetricsReader } from '../../core/metrics.ts';
import type { JobWatch } from '../../core/monitor/ports.ts';
import type { CheckScheduler } from '../../core/verify/ports.ts';
import type { DeadLetterInbox, DeadLetterQueueName } from '../../core/dead-letters.ts';
import { BatchBuildLauncher } from '../batch/build-launcher.ts';
import { CloudWatchMetricsReader } from '../metrics/cloudwatch.ts';
import { BatchJobWatch } from '../batch/job-watch.ts';
import { SnsNotifier } from '../sns/notifier.ts';
import { createPostgresPools, createSource, type SourceDeps } from '../sources/index.ts';
import { SqsCheckScheduler } from '../sqs/check-scheduler.ts';
import { DeadLetterQueue, type DeadLetterSink } from '../sqs/dead-letter.ts';
import { SqsDeadLetterInbox } from '../sqs/dead-letter-inbox.ts';
import { awsClients, type AwsClients, type AwsSettings, type InjectedClients } from './clients.ts';
import { embedSteps } from './embed.ts';
import type { EmbedderDeps } from '../embedders/index.ts';
import { storeFactories, type StorePorts, type StoreSettings } from './stores.ts';
import { withVectorJournal } from './vectors.ts';
import { unavailableDeadLetters, unavailableJobWatch, unavailableLauncher, unavailableScheduler } from './unavailable.ts';

export { createDynamoClient, type AwsSettings } from './clients.ts';
export { RebuildUnavailableError } from './unavailable.ts';
export { MetricRing, RecordingMetrics } from '../metrics/ring.ts';
export { JOB_COMMAND } from '../batch/build-launcher.ts';
export type { DeadLetterReason, DeadLetterSent, DeadLetterSink } from '../sqs/dead-letter.ts';
export type { StoreSettings } from './stores.ts';

/**
 * Where this deployment keeps its index and sends its messages (the entry points' environment,
 * parsed by ./env.ts). Unset optional fields leave the part that needs them unavailable: it
 * throws a clear error when used.
 */
export interface RuntimeSettings extends StoreSettings, AwsSettings {
  /** SNS topic of alerts (FRESHINDEX_ALERTS_TOPIC_ARN); unset: alerts go nowhere. */
  alertsTopicArn?: string | undefined;
  /** SNS topic of build and audit reports (FRESHINDEX_NOTIFICATIONS_TOPIC_ARN); unset: reports go nowhere. */
  notificationsTopicArn?: string | undefined;
  /** The verify queue, where checks are scheduled (FRESHINDEX_VERIFY_QUEUE_URL). */
  verifyQueueUrl?: string | undefined;
  /** The entry point's own dead-letter queue (FRESHINDEX_APPLY_DLQ_URL or FRESHINDEX_VERIFY_DLQ_URL). */
  deadLetterQueueUrl?: string | undefined;
  /** The consumer queues and their dead-letter queues the ops API lists and redrives (FRESHINDEX_DEAD_LETTERS_{APPLY,VERIFY}_{QUEUE,DLQ}_URL; the own apply queues, `apply:<type>`, from FRESHINDEX_DEAD_LETTERS_OWN_APPLY). */
  deadLetterQueues?: Partial<Record<DeadLetterQueueName, { queueUrl: string; deadLetterQueueUrl: string }>> | undefined;
  /** Where rebuilds are submitted (FRESHINDEX_JOB_QUEUE and FRESHINDEX_JOB_DEFINITION). */
  jobQueue?: string | undefined;
  jobDefinition?: string | undefined;
}

/** Clients and parts a caller may inject (tests point them at emulators; the local runtime plugs in its own launcher). */
export interface RuntimeOverrides extends InjectedClients {
  sourceDeps?: Partial<SourceDeps>;
  /** The embedding providers' clients (tests point Bedrock at a local server). @default made from the settings and `sourceDeps` */
  embedderDeps?: Partial<EmbedderDeps>;
  clock?: Clock;
  notifier?: Notifier;
  /** @default AWS Batch when the settings name a job queue and definition */
  buildLauncher?: BuildLauncher;
  /** @default CloudWatch GetMetricData (the local runtime plugs in its in-memory ring) */
  metricsReader?: MetricsReader;
  /** @default AWS Batch when the settings name a job queue */
  jobWatch?: JobWatch;
}

/**
 * Everything the entry points run on, built once per process: ports only, no SDK client. It is
 * an `ApplyDeps` as it stands.
 */
export interface Runtime extends ApplyDeps, StorePorts {
  config: FreshindexConfig;
  settings: RuntimeSettings;
  /** Each configured type with its source. */
  types: ReadonlyMap<string, ResolvedType>;
  /** The index's records (DynamoDB or Redis, per `config.store`). */
  records: RecordStore;
  /** The cached pointer reads of the apply path (a flip shows within `pointerCacheSeconds`). */
  pointers: PointerCache;
  notifier: Notifier;
  /** Schedules checks on the verify queue. */
  checkScheduler: CheckScheduler;
  /** Starts rebuilds and audits outside this process. */
  buildLauncher: BuildLauncher;
  /** The jobs of the job queue, as the monitor reads them. */
  jobWatch: JobWatch;
  /** The entry point's dead-letter queue. */
  deadLetters: DeadLetterSink;
  /** The apply metrics the console charts (the ops API's metrics route). */
  metricsReader: MetricsReader;
  /** The dead letters of each consumer queue the settings name (the ops API's). */
  deadLetterInboxes: Partial<Record<DeadLetterQueueName, DeadLetterInbox>>;
  clock: Clock;
  /** Closes the connections and clients this runtime opened (never an injected client). */
  close(): Promise<void>;
}

/**
 * Builds the runtime. Validates the config first, failing with every problem named.
 *
 * @example
 * const runtime = createRuntime(config, { indexTable: 'fi-index', controlTable: 'fi-control' });
 * await applyChanges(runtime, changes);
 * await runtime.close();
 */
export function createRuntime(configInput: FreshindexConfigInput | FreshindexConfig, settings: RuntimeSettings, overrides: RuntimeOverrides = {}): Runtime {
  const config = validateConfig(configInput);
  const clock = overrides.clock ?? systemClock;
  const clients = awsClients(settings, overrides);
  const context = { config, settings, dynamodb: clients.dynamodb, document: clients.document, clock };
  const { close: closeStores, ...storePorts } = withVectorJournal(storeFactories[config.store.type](context), config, clock);
  const sourceDeps = { dynamodb: clients.dynamodb, ...overrides.sourceDeps } as SourceDeps;
  // One pool per Postgres connection for all the types, ended at close (unless injected).
  const ownPostgres = sourceDeps.postgres ? undefined : (sourceDeps.postgres = createPostgresPools(sourceDeps));
  const embedderDeps = { auth: { secrets: sourceDeps.secrets, env: sourceDeps.env }, fetch: sourceDeps.fetch, ...overrides.embedderDeps };
  const embed = embedSteps(config, storePorts.embeddings, embedderDeps, settings.region);
  const types = new Map<string, ResolvedType>(
    config.types.map((type) => [type.name, { config: type, source: createSource(type, sourceDeps), embed: embed.steps.get(type.name) }]),
  );
  return {
    config,
    settings,
    types,
    ...storePorts,
    pointers: new PointerCache(storePorts.pointerStore, config.pointerCacheSeconds * 1000, clock),
    notifier:
      overrides.notifier ??
      new SnsNotifier(clients.sns(), {
        ...(settings.alertsTopicArn ? { alertsTopicArn: settings.alertsTopicArn } : {}),
        ...(settings.notificationsTopicArn ? { notificationsTopicArn: settings.notificationsTopicArn } : {}),
      }),
    checkScheduler: settings.verifyQueueUrl ? new SqsCheckScheduler(clients.sqs(), settings.verifyQueueUrl, clock) : unavailableScheduler,
    buildLauncher: overrides.buildLauncher ?? batchLauncher(settings, clients.batch, clock),
    jobWatch: overrides.jobWatch ?? (settings.jobQueue ? new BatchJobWatch({ jobQueue: settings.jobQueue, client: clients.batch(), clock }) : unavailableJobWatch),
    deadLetters: settings.deadLetterQueueUrl ? new DeadLetterQueue(clients.sqs(), settings.deadLetterQueueUrl) : unavailableDeadLetters,
    metricsReader: overrides.metricsReader ?? new CloudWatchMetricsReader(clients.cloudwatch),
    deadLetterInboxes: deadLetterInboxes(settings, clients.sqs, clock),
    clock,
    close: async () => {
      await closeStores().catch(() => {});
      await ownPostgres?.close().catch(() => {});
      embed.destroy();
      clients.destroy();
    },
  };
}

/** One inbox per named queue pair; message move tasks only on SQS itself (an endpoint override is an emulator: neither fauxqs nor moto has them). */
function deadLetterInboxes(settings: RuntimeSettings, sqs: AwsClients['sqs'], clock: Clock): Runtime['deadLetterInboxes'] {
  return Object.fromEntries(
    Object.entries(settings.deadLetterQueues ?? {}).flatMap(([queue, urls]) =>
      urls ? [[queue, new SqsDeadLetterInbox({ sqs: sqs(), deadLetterQueueUrl: urls.deadLetterQueueUrl, sourceQueueUrl: urls.queueUrl, moveTasks: !settings.endpoints?.sqs, clock })]] : [],
    ),
  );
}

function batchLauncher(settings: RuntimeSettings, batch: AwsClients['batch'], clock: Clock): BuildLauncher {
  if (!settings.jobQueue || !settings.jobDefinition) return unavailableLauncher;
  return new BatchBuildLauncher({ jobQueue: settings.jobQueue, jobDefinition: settings.jobDefinition, client: batch(), clock });
}
