import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TypeConfig } from '../lambdas/core/config/index.ts';
import { PropChecks } from './checks.ts';
import type { ChangeQueueRef } from './change-queue.ts';
import { FreshindexDashboard } from './dashboard.ts';
import { failurePercent, freshindexMetric } from './metrics.ts';
import { ALARM_DEFAULTS, checkAlarmOptions, RUNBOOK_ANCHORS, type FreshindexAlarmsOptions, type ThresholdOption } from './monitoring-options.ts';

export { ALARM_DEFAULTS, RUNBOOK_ANCHORS, type FreshindexAlarmsOptions, type ThresholdOption } from './monitoring-options.ts';

/** Settings of the alarms and the dashboard (the `monitoring` prop of `FreshindexCompute`). */
export interface FreshindexMonitoringOptions {
  /**
   * Each alarm's threshold, or `false` to leave it out (see {@link FreshindexAlarmsOptions}).
   *
   * @default - every alarm, with the thresholds of docs/operations.md
   */
  readonly alarms?: FreshindexAlarmsOptions;
  /**
   * More dead-letter queues to alarm on and show (the alert-delivery function's, your own), by a
   * short name (letters, digits and `-`) used in the alarm's name.
   *
   * @default - the apply and verify dead-letter queues only
   */
  readonly extraDeadLetterQueues?: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Whether to create the CloudWatch dashboard.
   *
   * @default true
   */
  readonly dashboard?: boolean;
}

/** Props of {@link FreshindexMonitoring}. */
export interface FreshindexMonitoringProps extends FreshindexMonitoringOptions {
  /** The config's types: their freshness targets and the per-type alarms. */
  readonly types: readonly TypeConfig[];
  /** Where every alarm sends its ALARM and OK notifications. */
  readonly alertsTopic: sns.ITopic;
  readonly applyQueue: ChangeQueueRef;
  readonly verifyQueue: ChangeQueueRef;
  readonly applyFunction: lambda.IFunction;
  readonly verifyFunction: lambda.IFunction;
  /**
   * Every other freshindex function whose throttles to alarm on, by name (`api`...).
   *
   * @default - none
   */
  readonly otherFunctions?: Readonly<Record<string, lambda.IFunction>>;
  /**
   * The apply queues of types with `delivery.queue: 'own'`, by type: each gets an age alarm at its
   * type's freshness target, and the shared queue's threshold is the smallest of the other types.
   */
  readonly typeApplyQueues?: Readonly<Record<string, ChangeQueueRef>>;
}

/** The minimal `freshnessTargetSeconds` of the types: the apply queue's age threshold. */
export function smallestFreshnessTarget(types: readonly TypeConfig[]): number {
  return Math.min(...types.map((type) => type.freshnessTargetSeconds));
}

/**
 * The alarms and the dashboard of one deployment, all on plain CloudWatch: every alarm notifies
 * the alerts topic when it goes to ALARM and when it goes back to OK, and its description says what
 * it means, what to do and where its runbook section is (docs/operations.md).
 *
 * @example
 * const monitoring = new FreshindexMonitoring(this, 'Monitoring', { types, alertsTopic, applyQueue, verifyQueue, applyFunction, verifyFunction });
 * monitoring.monitorFunction('alert-delivery', delivery.function);
 */
export class FreshindexMonitoring extends Construct {
  /** Every alarm, in the order created. */
  public readonly alarms: cw.Alarm[] = [];
  /** The dashboard (unless `dashboard: false`). */
  public readonly dashboard?: cw.Dashboard;
  private readonly board?: FreshindexDashboard;
  private readonly deadLetterQueues: Array<[string, sqs.IQueue]> = [];
  private readonly action: actions.SnsAction;
  private readonly options: FreshindexAlarmsOptions;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: FreshindexMonitoringProps) {
    super(scope, id);
    const checks = new PropChecks(this.node.path);
    checkAlarmOptions(checks, props.alarms);
    for (const name of Object.keys(props.extraDeadLetterQueues ?? {})) {
      checks.require(/^[A-Za-z0-9-]{1,40}$/.test(name), `extraDeadLetterQueues: "${name}" is not a short name (letters, digits and -)`);
    }
    checks.throwIfAny();
    this.options = props.alarms ?? {};
    this.action = new actions.SnsAction(props.alertsTopic);
    this.prefix = Stack.of(this).stackName;

    this.monitorDeadLetterQueue('apply', props.applyQueue.deadLetterQueue);
    this.monitorDeadLetterQueue('verify', props.verifyQueue.deadLetterQueue);
    const ownTypes = new Map(Object.keys(props.typeApplyQueues ?? {}).map((type) => [ownApplyName(type), type]));
    for (const [name, queue] of Object.entries(props.extraDeadLetterQueues ?? {})) this.monitorDeadLetterQueue(name, queue, ownTypes.get(name));
    this.queueAgeAlarms(props);
    this.invocationErrorAlarm('apply', props.applyFunction);
    this.invocationErrorAlarm('verify', props.verifyFunction);
    this.monitorFunction('apply', props.applyFunction);
    this.monitorFunction('verify', props.verifyFunction);
    for (const [name, fn] of Object.entries(props.otherFunctions ?? {})) this.monitorFunction(name, fn);
    for (const type of props.types) this.typeAlarms(type);
    this.jobsStuckAlarm();
    if (props.dashboard !== false) {
      this.board = new FreshindexDashboard(this, 'Dashboard', { ...props, name: `${this.prefix}-freshindex`, alarms: this.alarms });
      for (const [name, queue] of this.deadLetterQueues) this.board.addDeadLetterQueue(name, queue);
      this.dashboard = this.board.dashboard;
    }
  }

  /**
   * Alarms on messages visible on a dead-letter queue and graphs them (apply and verify are
   * monitored already). `ownType`: the queue is the dead-letter queue of that type's own apply queue.
   */
  monitorDeadLetterQueue(name: string, queue: sqs.IQueue, ownType?: string): cw.Alarm | undefined {
    this.deadLetterQueues.push([name, queue]);
    this.board?.addDeadLetterQueue(name, queue);
    const option = this.options.deadLetters;
    if (option === false) return undefined;
    return this.alarm(`DeadLetters-${name}`, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: option?.threshold ?? ALARM_DEFAULTS.deadLetters,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // An idle queue stops reporting: it is empty then.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      alarmDescription: deadLetterDescription(ownType === undefined ? name : `apply:${ownType}`),
    }, RUNBOOK_ANCHORS.deadLetters);
  }

  /** Alarms on a freshindex function's throttles (apply, verify and `otherFunctions` are monitored already). */
  monitorFunction(name: string, fn: lambda.IFunction): cw.Alarm | undefined {
    const option = this.options.throttles;
    if (option === false) return undefined;
    return this.alarm(`Throttles-${name}`, {
      metric: fn.metricThrottles({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: option?.threshold ?? ALARM_DEFAULTS.throttles,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Lambda is throttling the ${name} function: the account or the function ran out of concurrency, so work waits. Check the account's concurrency and the event source's maxConcurrency.`,
    }, RUNBOOK_ANCHORS.throttles);
  }

  private queueAgeAlarms(props: FreshindexMonitoringProps): void {
    const own = props.typeApplyQueues ?? {};
    const shared = props.types.filter((type) => own[type.name] === undefined);
    this.queueAgeAlarm('ApplyQueueAge', props.applyQueue, shared.length > 0 ? shared : props.types, 'the apply queue (shared by every type without a queue of its own)');
    for (const [name, queue] of Object.entries(own)) {
      const types = props.types.filter((type) => type.name === name);
      this.queueAgeAlarm(`ApplyQueueAge-${name}`, queue, types, `the apply queue of type ${name}`);
    }
  }

  private queueAgeAlarm(id: string, queue: ChangeQueueRef, types: readonly TypeConfig[], what: string): void {
    const option = this.options.applyQueueAge;
    if (option === false || types.length === 0) return;
    const threshold = option?.threshold ?? smallestFreshnessTarget(types);
    this.alarm(id, {
      metric: queue.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      alarmDescription: `The oldest change on ${what} is older than ${threshold} s, the smallest freshness target of its types: its apply function is not keeping up or is failing. Look at its errors, throttles and freshindex status.`,
    }, RUNBOOK_ANCHORS.applyQueueAge);
  }

  private invocationErrorAlarm(component: 'apply' | 'verify', fn: lambda.IFunction): void {
    const option = this.options.errorRate;
    if (option === false) return;
    const period = Duration.minutes(5);
    const threshold = option?.threshold ?? ALARM_DEFAULTS.errorRate;
    this.alarm(`${capitalized(component)}InvocationErrors`, {
      metric: failurePercent(fn.metricErrors({ statistic: 'Sum' }), [fn.metricInvocations({ statistic: 'Sum' })], 'invocation errors %', period),
      ...this.rate(threshold),
      alarmDescription: `More than ${threshold} % of the ${component} function's invocations failed as a whole (crash, timeout, out of memory): their messages go back to the queue. Read the function's errors in its log group.`,
    }, component === 'apply' ? RUNBOOK_ANCHORS.applyErrors : RUNBOOK_ANCHORS.verifyErrors);
  }

  private typeAlarms(type: TypeConfig): void {
    const name = type.name;
    const options = this.options;
    this.typeFailureAlarms(name);
    if (options.freshnessLag !== false) {
      const override = options.freshnessLag?.threshold;
      const seconds = override ?? type.freshnessTargetSeconds;
      const limit = override === undefined ? `the type's freshness target of ${seconds} s` : `${seconds} s`;
      this.alarm(`FreshnessLag-${name}`, {
        metric: freshindexMetric('apply', 'ApplyFreshnessLag', name, { statistic: 'p99', period: Duration.minutes(1) }),
        threshold: seconds * 1000,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The p99 time from a ${name} change to its write is above ${limit}: users see stale ${name} records. Look at the apply queue's age, the apply function's errors and throttles.`,
      }, RUNBOOK_ANCHORS.freshnessLag);
    }
    this.gaugeAlarm({ id: `RebuildFailed-${name}`, publisher: 'jobs', metricName: 'RebuildFailed', type: name, option: options.rebuildFailed, fallback: ALARM_DEFAULTS.rebuildFailed, atLeast: true,
      description: `The last rebuild of ${name} failed: the previous generation keeps serving. Read the build-failed alert or freshindex status for the reasons, fix them and run freshindex rebuild ${name}.`, anchor: RUNBOOK_ANCHORS.rebuildFailed });
    if (options.rebuildOverdue !== false) {
      this.gaugeAlarm({ id: `RebuildOverdue-${name}`, publisher: 'monitor', metricName: 'MonitorRebuildOverdue', type: name, option: undefined, fallback: 1, atLeast: true,
        description: `No rebuild of ${name} started within its schedule plus the grace period: the schedule, the job queue or the job is broken. Check freshindex status and the Batch job queue.`, anchor: RUNBOOK_ANCHORS.rebuildOverdue });
    }
    this.gaugeAlarm({ id: `AuditDrift-${name}`, publisher: 'jobs', metricName: 'AuditDifferences', type: name, option: options.auditDrift, fallback: ALARM_DEFAULTS.auditDrift, atLeast: false,
      description: `The last audit of ${name} found records that differ from the source. Read its report with freshindex status or freshindex audit ${name}; rebuild the type if the differences remain.`, anchor: RUNBOOK_ANCHORS.auditDrift });
    this.gaugeAlarm({ id: `Quarantined-${name}`, publisher: 'monitor', metricName: 'MonitorQuarantined', type: name, option: options.quarantine, fallback: ALARM_DEFAULTS.quarantine, atLeast: false,
      description: `Many ${name} resources are quarantined: readers serve them from the source. List them with freshindex quarantine list ${name}, find why they drift, then release them.`, anchor: RUNBOOK_ANCHORS.quarantine });
  }

  /** Per type: the share of changes the apply function failed, and of checks the verify function failed. */
  private typeFailureAlarms(name: string): void {
    if (this.options.errorRate === false) return;
    const fiveMinutes = Duration.minutes(5);
    const threshold = this.options.errorRate?.threshold ?? ALARM_DEFAULTS.errorRate;
    const apply = (metric: string) => freshindexMetric('apply', metric, name, { statistic: 'Sum' });
    const verify = (metric: string) => freshindexMetric('verify', metric, name, { statistic: 'Sum' });
    this.alarm(`ApplyFailures-${name}`, {
      metric: failurePercent(apply('ApplyFailed'), ['ApplyApplied', 'ApplySkippedStale', 'ApplySkippedUnchanged', 'ApplyRejected'].map(apply), `${name} apply failures %`, fiveMinutes),
      ...this.rate(threshold),
      alarmDescription: `More than ${threshold} % of the ${name} changes the apply function handled failed (the store or the source refused them); SQS retries each, then dead-letters it. Look at the apply log for the reason.`,
    }, RUNBOOK_ANCHORS.applyErrors);
    this.alarm(`VerifyFailures-${name}`, {
      metric: failurePercent(verify('VerifyFailed'), [verify('VerifyChecked')], `${name} verify failures %`, fiveMinutes),
      ...this.rate(threshold),
      alarmDescription: `More than ${threshold} % of the ${name} checks failed (the source or the index could not be read), so drift goes unseen. Look at the verify log for the reason.`,
    }, RUNBOOK_ANCHORS.verifyErrors);
  }

  private jobsStuckAlarm(): void {
    this.gaugeAlarm({ id: 'JobsStuck', publisher: 'monitor', metricName: 'MonitorJobsStuck', type: undefined, option: this.options.jobsStuck, fallback: ALARM_DEFAULTS.jobsStuck, atLeast: true,
      description: 'Batch jobs have waited in RUNNABLE longer than the monitor allows: the compute environment cannot place them. Read the batch-job-stuck alert and check the compute environment.', anchor: RUNBOOK_ANCHORS.jobsStuck });
  }

  /**
   * An alarm on a value the jobs or the monitor publish now and then (a gauge, or an outcome
   * published as 0 or 1): missing data keeps the state, so the alarm returns to OK when a new
   * value says so (a build that went live, a clean audit), not when nothing is published.
   */
  private gaugeAlarm(gauge: GaugeAlarm): void {
    const { id, publisher, metricName, type, option, fallback, atLeast, description, anchor } = gauge;
    if (option === false) return;
    this.alarm(id, {
      metric: freshindexMetric(publisher, metricName, type, { statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: option?.threshold ?? fallback,
      comparisonOperator: atLeast ? cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD : cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.IGNORE,
      alarmDescription: description,
    }, anchor);
  }

  private rate(threshold: number): Pick<cw.AlarmProps, 'threshold' | 'comparisonOperator' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissingData'> {
    return {
      threshold,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    };
  }

  private alarm(id: string, props: cw.AlarmProps, anchor: string): cw.Alarm {
    const alarm = new cw.Alarm(this, id, {
      ...props,
      alarmName: `${this.prefix}-${id}`,
      alarmDescription: `${props.alarmDescription} Runbook: docs/operations.md#${anchor}`,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    this.board?.addAlarm(alarm);
    return alarm;
  }
}

/**
 * Lets CloudWatch alarms notify an encrypted topic: `sns:Publish` from this account's alarms in
 * the topic's policy, and the key's encrypt permissions for CloudWatch in the key's policy (an
 * alarm notifies an SSE-KMS topic only when both say so).
 */
export function allowAlarmNotifications(topic: sns.Topic, key: kms.IKey): void {
  const stack = Stack.of(topic);
  const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  topic.addToResourcePolicy(new iam.PolicyStatement({
    principals: [cloudwatch],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: { ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({ principals: [cloudwatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }));
}

/** An alarm on a value published now and then, for {@link FreshindexMonitoring}'s `gaugeAlarm`. */
interface GaugeAlarm {
  readonly id: string;
  readonly publisher: 'jobs' | 'monitor';
  readonly metricName: string;
  readonly type: string | undefined;
  readonly option: false | ThresholdOption | undefined;
  readonly fallback: number;
  /** `>=` the threshold, else `>`. */
  readonly atLeast: boolean;
  readonly description: string;
  readonly anchor: string;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What a dead-letter alarm says: the apply and verify queues have `freshindex dlq`; others are read with the AWS CLI. */
/** The monitoring name of a type's own apply queue (or function): `apply-<type>`, letters, digits and `-`, at most 40. */
export function ownApplyName(type: string): string {
  return `apply-${type.replace(/_/g, '-')}`.slice(0, 40);
}

function deadLetterDescription(name: string): string {
  if (name === 'apply' || name === 'verify' || name.startsWith('apply:')) {
    return `Messages are waiting on the ${name} dead-letter queue: changes that could not be processed, each with its reason. List them with freshindex dlq list --queue ${name}, fix the cause, then redrive them with freshindex dlq redrive.`;
  }
  return `Messages are waiting on the ${name} dead-letter queue, each with its reason. Read them with aws sqs receive-message (freshindex dlq covers the apply and verify queues and the types' own apply queues only), fix the cause, then deal with each.`;
}
