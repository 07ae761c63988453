import { Construct } from 'constructs';
import { AlertDelivery, type AlertDeliveryOptions } from './alert-delivery.ts';
import { OpsApi, type OpsApiOptions } from './api.ts';
import { IncrementalApply } from './apply.ts';
import { CaptureRelay, type CaptureRelayOptions } from './capture.ts';
import type { FreshindexConfigFile } from './config.ts';
import type { FreshindexDataResources } from './data.ts';
import type { FreshindexFunctionOptions } from './function.ts';
import { IndexJobs, type IndexJobsOptions } from './jobs.ts';
import { JobMonitor, type JobMonitorOptions } from './monitor.ts';
import type { QueueFunctionOptions } from './queue-function.ts';
import { FreshindexMonitoring, ownApplyName, type FreshindexMonitoringOptions } from './monitoring.ts';
import { JobSchedules, type JobSchedulesOptions } from './schedules.ts';
import { annotateEmbeds } from './embed-access.ts';
import { annotateSources, sourceNetwork, type SourceNetworkOptions } from './source-access.ts';
import { DynamodbStreamCapture, type DynamodbStreamCaptureOptions } from './stream-capture.ts';
import { streamCaptureTargets } from '../lambdas/core/capture/dynamodb-stream.ts';
import { ConsistencyChecker } from './verify.ts';

/** Props of {@link FreshindexCompute}. */
export interface FreshindexComputeProps {
  /** The user's config file, loaded and validated (`loadFreshindexConfig`). */
  readonly config: FreshindexConfigFile;
  /** The stateful resources (a `FreshindexData` construct, or `FreshindexDataStack.resources`). */
  readonly data: FreshindexDataResources;
  /**
   * The apply function and how it reads its queue. Set `batchSize` or `maxBatchingWindow` to
   * replace the default batching of the shared queue.
   *
   * @default - 1024 MiB; when neither is set, a batching window of 1/60 of the shared types' tightest `freshnessTargetSeconds` (whole seconds) with batches of 100, or batches of 10 and no window when that is under 1 s
   */
  readonly apply?: QueueFunctionOptions;
  /**
   * The verify function and how it reads its queue. Set `batchSize` or `maxBatchingWindow` to
   * replace the default batching.
   *
   * @default - 1024 MiB; when neither is set, a batching window of a tenth of the types' shortest `settleDelaySeconds` (whole seconds) with batches of 100, or batches of 10 and no window when that is under 1 s
   */
  readonly verify?: QueueFunctionOptions;
  /**
   * The ops API and its function.
   *
   * @default - 29 s timeout, 50 requests/s, bursts of 100
   */
  readonly api?: OpsApiOptions;
  /**
   * The Batch jobs (rebuild, audit).
   *
   * @default - a new VPC, 16 vCPUs at most, 1 vCPU and 2 GiB per job, image bundled from the config (lib/job-image.ts)
   */
  readonly jobs?: IndexJobsOptions;
  /**
   * The per-type rebuild and audit schedules.
   *
   * @default - UTC, enabled
   */
  readonly schedules?: JobSchedulesOptions;
  /**
   * The job monitor: quarantine size, overdue rebuilds, Batch jobs stuck in RUNNABLE or FAILED.
   *
   * @default - every 5 minutes, stuck after 30 minutes, 2 hours of grace for a rebuild, the schedules' time zone
   */
  readonly monitor?: JobMonitorOptions;
  /**
   * Chat alerts: the destinations (Slack, Teams, DingTalk, Feishu / Lark, generic JSON webhooks),
   * each with the secret holding its webhook (docs/alerts.md).
   *
   * @default - no delivery function: alerts reach the alerts topic's email subscriptions only
   */
  readonly alerts?: AlertDeliveryOptions;
  /**
   * The alarms (to the alerts topic) and the CloudWatch dashboard (docs/operations.md).
   *
   * @default - every alarm with its documented threshold, and the dashboard
   */
  readonly monitoring?: FreshindexMonitoringOptions;
  /**
   * The DynamoDB Streams capture of the types whose DynamoDB source declares `capture` (docs/cdc.md).
   *
   * @default - batches of 100 within 1 s, from TRIM_HORIZON, 10 retries, each stream ARN from the config
   */
  readonly streamCapture?: DynamodbStreamCaptureOptions;
  /**
   * The Postgres change-capture relay, built when the config has `capture.postgres` (docs/cdc.md).
   *
   * @default - in `sourceNetwork` (else the jobs' VPC), every minute, 256 MiB
   */
  readonly capture?: CaptureRelayOptions;
  /**
   * Where the functions and jobs that read a Postgres source run: the database's VPC, subnets and
   * the client security group the database admits (docs/sources.md). Unused without a Postgres
   * source; with `store: redis` leave it unset (the cache's VPC and client group are used).
   *
   * @default - the store's network; with a Postgres source and DynamoDB, outside any VPC (a synth warning)
   */
  readonly sourceNetwork?: SourceNetworkOptions;
  /**
   * Settings every function shares (environment, log retention...); the per-function props win.
   *
   * @default - none
   */
  readonly functionDefaults?: FreshindexFunctionOptions;
}

/**
 * The stateless half of freshindex: the apply and verify functions on their queues, the Batch
 * rebuild and audit jobs with their schedules, and the IAM-authorized ops API. Every grant is
 * scoped to the resources of `data` and the sources of the config.
 */
export class FreshindexCompute extends Construct {
  public readonly apply: IncrementalApply;
  public readonly verify: ConsistencyChecker;
  public readonly jobs: IndexJobs;
  public readonly schedules: JobSchedules;
  public readonly api: OpsApi;
  public readonly monitor: JobMonitor;
  /** The alert-delivery function, when `alerts` names destinations. */
  public readonly alerts?: AlertDelivery;
  /** The DynamoDB Streams capture, when a type captures its table's stream. */
  public readonly streamCapture?: DynamodbStreamCapture;
  /** The alarms and the dashboard. */
  public readonly monitoring: FreshindexMonitoring;
  /** The capture relay, when the config has `capture.postgres`. */
  public readonly capture?: CaptureRelay;

  constructor(scope: Construct, id: string, props: FreshindexComputeProps) {
    super(scope, id);
    const { config, data } = props;
    const defaults = props.functionDefaults ?? {};
    annotateSources(this, config.config.types);
    annotateEmbeds(this, config.config.types);
    const network = sourceNetwork(this, config.config.types, data.store, props.sourceNetwork);
    const reach = network ? { network } : {};

    this.apply = new IncrementalApply(this, 'Apply', { ...defaults, ...props.apply, config, data, ...reach });
    this.verify = new ConsistencyChecker(this, 'Verify', { ...defaults, ...props.verify, config, data, ...reach });
    this.jobs = new IndexJobs(this, 'Jobs', {
      environment: defaults.environment,
      logRetention: defaults.logRetention,
      ...props.jobs,
      config,
      data,
      ...reach,
    });
    this.schedules = new JobSchedules(this, 'Schedules', {
      ...props.schedules,
      types: config.config.types,
      jobQueue: this.jobs.jobQueue,
      jobDefinition: this.jobs.jobDefinition,
    });
    this.api = new OpsApi(this, 'Api', {
      ...defaults,
      ...props.api,
      config,
      data,
      ...reach,
      jobQueue: this.jobs.jobQueue,
      jobDefinition: this.jobs.jobDefinition,
    });
    this.monitor = new JobMonitor(this, 'Monitor', {
      ...defaults,
      ...(props.schedules?.timeZone ? { timeZone: props.schedules.timeZone } : {}),
      ...props.monitor,
      config,
      data,
      jobQueue: this.jobs.jobQueue,
    });
    if (config.config.capture?.postgres) {
      this.capture = new CaptureRelay(this, 'CaptureRelay', { ...defaults, ...props.capture, config, changeTopic: data.changeTopic, defaultVpc: this.jobs.vpc, ...reach });
    }
    if (props.alerts) {
      this.alerts = new AlertDelivery(this, 'Alerts', {
        ...defaults,
        ...props.alerts,
        configFile: config.path,
        alertsTopic: data.alertsTopic,
        encryptionKey: data.queueKey,
        apiUrl: this.api.url,
        logGroups: [this.apply.consumer.handler.logGroup, this.verify.consumer.handler.logGroup],
      });
    }
    if (streamCaptureTargets(config.config).length > 0) {
      this.streamCapture = new DynamodbStreamCapture(this, 'StreamCapture', { ...defaults, ...props.streamCapture, config, changeTopic: data.changeTopic, topicKey: data.topicKey, encryptionKey: data.queueKey });
    }
    this.monitoring = new FreshindexMonitoring(this, 'Monitoring', {
      ...props.monitoring,
      types: config.config.types,
      alertsTopic: data.alertsTopic,
      applyQueue: data.applyQueue,
      verifyQueue: data.verifyQueue,
      applyFunction: this.apply.consumer.function,
      verifyFunction: this.verify.consumer.function,
      typeApplyQueues: data.typeApplyQueues ?? {},
      otherFunctions: {
        api: this.api.handler.function,
        monitor: this.monitor.handler.function,
        ...(this.alerts ? { 'alert-delivery': this.alerts.handler.function } : {}),
        ...(this.streamCapture ? { 'stream-capture': this.streamCapture.handler.function } : {}),
        ...mapOwnApply(this.apply.typeConsumers, (consumer) => consumer.function),
      },
      extraDeadLetterQueues: {
        ...props.monitoring?.extraDeadLetterQueues,
        ...(this.alerts ? { 'alert-delivery': this.alerts.deadLetterQueue } : {}),
        ...(this.streamCapture ? { 'stream-capture': this.streamCapture.deadLetterQueue } : {}),
        ...mapOwnApply(data.typeApplyQueues ?? {}, (queue) => queue.deadLetterQueue),
      },
    });
  }
}

/** The own apply queues (or functions) by their monitoring names, `apply-<type>` ({@link ownApplyName}). */
function mapOwnApply<T, R>(byType: Readonly<Record<string, T>>, pick: (value: T) => R): Record<string, R> {
  return Object.fromEntries(Object.entries(byType).map(([type, value]) => [ownApplyName(type), pick(value)]));
}
