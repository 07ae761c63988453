import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PropChecks } from './checks.ts';
import type { FreshindexConfigFile } from './config.ts';
import type { FreshindexDataResources } from './data.ts';
import { FreshindexFunction, type FreshindexFunctionOptions } from './function.ts';
import { batchJobArns } from './jobs.ts';
import { acknowledge, KMS_PUBLISH_ACTIONS } from './nag.ts';
import { grantStore, storeEnvironment, storeNetwork } from './store.ts';

/** The control table actions of the monitor: the latest build record (GetItem) and the quarantine (Query). */
export const MONITOR_CONTROL_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;

/** Settings of the job monitor. */
export interface JobMonitorOptions extends FreshindexFunctionOptions {
  /**
   * Minutes a job may wait in RUNNABLE before it counts as stuck (`batch-job-stuck` alert, once per
   * job; `MonitorJobsStuck`).
   *
   * @default 30
   */
  readonly stuckAfterMinutes?: number;
  /**
   * How long after its scheduled time a type's rebuild may start before `MonitorRebuildOverdue` says 1.
   *
   * @default Duration.hours(2)
   */
  readonly rebuildGrace?: Duration;
  /**
   * How often the scheduled checks run.
   *
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;
  /**
   * The time zone the types' cron schedules are read in: the job schedules' own.
   *
   * @default TimeZone.ETC_UTC
   */
  readonly timeZone?: TimeZone;
  /**
   * The monitor function's timeout.
   *
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * Whether the schedule and the job rule start enabled.
   *
   * @default true
   */
  readonly enabled?: boolean;
}

/** Props of {@link JobMonitor}. */
export interface JobMonitorProps extends JobMonitorOptions {
  /** The user's config file, loaded and validated. */
  readonly config: FreshindexConfigFile;
  /** The store (build records, quarantine) and the alerts topic. */
  readonly data: Pick<FreshindexDataResources, 'store' | 'alertsTopic'>;
  /** The job queue of the rebuild and audit jobs. */
  readonly jobQueue: batch.IJobQueue;
}

/**
 * The monitor: one function, run every five minutes by an EventBridge rule (per-type
 * `MonitorQuarantined` and `MonitorRebuildOverdue`, `MonitorJobsStuck`, a `batch-job-stuck` alert
 * per job RUNNABLE too long) and by an EventBridge rule on "Batch Job State Change" events of the
 * job queue to FAILED (a `batch-job-failed` alert). It may read the build records and the
 * quarantine, list, describe and tag Batch jobs, and publish on the alerts topic; metrics go out
 * as EMF in its logs (no PutMetricData).
 */
export class JobMonitor extends Construct {
  public readonly handler: FreshindexFunction;
  /** The rule running the scheduled checks. */
  public readonly scheduleRule: events.Rule;
  /** The rule on jobs of the queue that FAILED. */
  public readonly jobFailedRule: events.Rule;

  constructor(scope: Construct, id: string, props: JobMonitorProps) {
    super(scope, id);
    const stuckAfterMinutes = props.stuckAfterMinutes ?? 30;
    const grace = props.rebuildGrace ?? Duration.hours(2);
    const interval = props.interval ?? Duration.minutes(5);
    new PropChecks(this.node.path)
      .inRange('stuckAfterMinutes', stuckAfterMinutes, 1, 10_080)
      .durationInRange('rebuildGrace', grace, 0, 7 * 86_400)
      .durationInRange('interval', interval, 60, 86_400)
      .throwIfAny();

    const { store, alertsTopic } = props.data;
    this.handler = new FreshindexFunction(this, 'Handler', {
      memorySize: 512,
      ...props,
      handler: 'monitor',
      configFile: props.config.path,
      timeout: props.timeout ?? Duration.seconds(60),
      network: storeNetwork(store),
      environment: {
        ...props.environment,
        ...storeEnvironment(store),
        FRESHINDEX_JOB_QUEUE: props.jobQueue.jobQueueArn,
        FRESHINDEX_ALERTS_TOPIC_ARN: alertsTopic.topicArn,
        FRESHINDEX_MONITOR_STUCK_MINUTES: String(stuckAfterMinutes),
        FRESHINDEX_MONITOR_REBUILD_GRACE_MINUTES: String(Math.round(grace.toMinutes({ integral: false }))),
        FRESHINDEX_SCHEDULE_TIMEZONE: (props.timeZone ?? TimeZone.ETC_UTC).timezoneName,
      },
    });
    const fn = this.handler.function;
    this.grant(fn, props);

    const target = new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) });
    const enabled = props.enabled ?? true;
    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: 'freshindex monitor: quarantine size, overdue rebuilds, jobs stuck in RUNNABLE',
      schedule: events.Schedule.rate(interval),
      enabled,
      targets: [target],
    });
    this.jobFailedRule = new events.Rule(this, 'JobFailed', {
      description: 'freshindex monitor: a job of the freshindex job queue failed',
      eventPattern: { source: ['aws.batch'], detailType: ['Batch Job State Change'], detail: { jobQueue: [props.jobQueue.jobQueueArn], status: ['FAILED'] } },
      enabled,
      targets: [target],
    });
  }

  /** Reads of the store, the Batch calls of lambdas/adapters/batch/job-watch.ts, publishing alerts. */
  private grant(fn: iam.IGrantable, props: JobMonitorProps): void {
    const { store, alertsTopic } = props.data;
    grantStore(fn, store, ({ controlTable }) => {
      controlTable.grant(fn, ...MONITOR_CONTROL_ACTIONS);
      controlTable.encryptionKey?.grantDecrypt(fn);
    });
    alertsTopic.grantPublish(fn);
    const { arn: jobs, finding: jobsFinding } = batchJobArns(this);
    const policy = new iam.Policy(this, 'WatchJobs', {
      statements: [
        new iam.PolicyStatement({ actions: ['batch:ListJobs', 'batch:DescribeJobs'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['batch:TagResource'], resources: [jobs] }),
      ],
    });
    policy.attachToRole(this.handler.role);
    acknowledge(policy, {
      'AwsSolutions-IAM5[Resource::*]': 'batch:ListJobs and batch:DescribeJobs support no resource-level permission; the monitor lists the RUNNABLE jobs of the freshindex job queue only.',
      [jobsFinding]: 'A job\'s id is known only once submitted; the monitor tags the jobs it alerted about as stuck, so it alerts once per job.',
    });
    acknowledge(this.handler.role, KMS_PUBLISH_ACTIONS);
  }
}
