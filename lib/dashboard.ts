import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TypeConfig } from '../lambdas/core/config/index.ts';
import type { ChangeQueueRef } from './change-queue.ts';
import { appliedPerSecond, freshindexMetric } from './metrics.ts';

/** What the dashboard shows. */
export interface DashboardContent {
  readonly name: string;
  readonly types: readonly TypeConfig[];
  readonly applyQueue: ChangeQueueRef;
  readonly verifyQueue: ChangeQueueRef;
  readonly alarms: readonly cw.IAlarm[];
}

const HOUR = Duration.hours(1);
const MINUTE = Duration.minutes(1);
const ALARMS_PER_WIDGET = 100;

/**
 * The deployment's dashboard: the alarms' states, the queues (age of the oldest message, depth,
 * dead letters), then one row per type: changes applied per second, freshness lag p50/p99 against
 * the type's target, dead-lettered changes, build duration and outcome, audit differences and
 * quarantine size. It opens on the last day (builds run nightly). Alarms and dead-letter queues
 * monitored later are added to it.
 */
export class FreshindexDashboard {
  public readonly dashboard: cw.Dashboard;
  /** The alarms of each status widget: CloudWatch shows at most 100 in one. */
  private readonly alarmChunks: cw.IAlarm[][] = [];
  private readonly deadLetters: cw.GraphWidget;

  constructor(scope: Construct, id: string, content: DashboardContent) {
    this.dashboard = new cw.Dashboard(scope, id, { dashboardName: content.name, defaultInterval: Duration.days(1) });
    for (const alarm of content.alarms) this.addAlarm(alarm);
    const queues = { apply: content.applyQueue, verify: content.verifyQueue };
    this.deadLetters = graph('Dead letters waiting', [], 8);
    this.dashboard.addWidgets(
      graph('Oldest message age (s)', Object.entries(queues).map(([name, ref]) => ref.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: MINUTE, label: name })), 8),
      graph('Messages waiting', Object.entries(queues).map(([name, ref]) => ref.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: MINUTE, label: name })), 8),
      this.deadLetters,
    );
    for (const type of content.types) {
      this.dashboard.addWidgets(new cw.TextWidget({ markdown: `### ${type.name} (freshness target ${type.freshnessTargetSeconds} s)`, width: 24, height: 1 }));
      this.dashboard.addWidgets(...typeWidgets(type));
    }
  }

  /** Shows an alarm's state (in a new status widget, at the bottom, once the others hold 100). */
  addAlarm(alarm: cw.IAlarm): void {
    let chunk = this.alarmChunks.at(-1);
    if (!chunk || chunk.length >= ALARMS_PER_WIDGET) {
      chunk = [];
      this.alarmChunks.push(chunk);
      // The widget reads its array when the dashboard renders, so alarms pushed later show too.
      this.dashboard.addWidgets(new cw.AlarmStatusWidget({ title: 'Alarms', alarms: chunk, width: 24, height: 4 }));
    }
    chunk.push(alarm);
  }

  /** Graphs the messages waiting on a dead-letter queue. */
  addDeadLetterQueue(name: string, queue: sqs.IQueue): void {
    this.deadLetters.addLeftMetric(queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5), label: name }));
  }
}

function typeWidgets(type: TypeConfig): cw.IWidget[] {
  const name = type.name;
  const sum = (publisher: 'apply' | 'verify' | 'jobs', metric: string, label: string, period = MINUTE) =>
    freshindexMetric(publisher, metric, name, { statistic: 'Sum', period, label });
  const lag = (statistic: string) => freshindexMetric('apply', 'ApplyFreshnessLag', name, { statistic, period: MINUTE, label: statistic });
  return [
    graph('Changes applied/s', [appliedPerSecond(name)]),
    new cw.GraphWidget({
      title: 'Freshness lag (ms)',
      left: [lag('p50'), lag('p99')],
      leftAnnotations: [{ value: type.freshnessTargetSeconds * 1000, label: 'target', color: cw.Color.RED }],
      width: 4,
      height: 6,
    }),
    // Rejected changes (bad input) go to the dead-letter queue too, counted apart from failures that outlived their retries.
    graph('Dead-lettered', [sum('apply', 'ApplyRejected', 'apply: rejected'), sum('apply', 'ApplyDeadLettered', 'apply: failed'), sum('verify', 'VerifyDeadLettered', 'verify')]),
    new cw.GraphWidget({
      title: 'Builds',
      left: [freshindexMetric('jobs', 'RebuildDurationSeconds', name, { statistic: 'Maximum', period: HOUR, label: 'duration (s)' })],
      right: [sum('jobs', 'RebuildSucceeded', 'succeeded', HOUR), sum('jobs', 'RebuildFailed', 'failed', HOUR)],
      width: 4,
      height: 6,
    }),
    graph('Audit differences', [freshindexMetric('jobs', 'AuditDifferences', name, { statistic: 'Maximum', period: HOUR, label: 'differences' })]),
    graph('Quarantined', [freshindexMetric('monitor', 'MonitorQuarantined', name, { statistic: 'Maximum', period: Duration.minutes(5), label: 'resources' })]),
  ];
}

function graph(title: string, left: cw.IMetric[], width = 4): cw.GraphWidget {
  return new cw.GraphWidget({ title, left, width, height: 6 });
}
