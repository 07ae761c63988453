import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';

/** The CloudWatch namespace of every freshindex metric (the functions' and jobs' EMF lines). */
export const METRICS_NAMESPACE = 'freshindex';

/**
 * The `service` dimension Powertools adds to every metric, by what publishes it. A metric is
 * found under all its dimensions, so an alarm names the service beside the `type`.
 */
export const METRIC_SERVICES = {
  apply: 'freshindex-apply',
  verify: 'freshindex-verify',
  jobs: 'freshindex-jobs',
  monitor: 'freshindex-monitor',
} as const;

/** Who publishes a metric. */
export type MetricPublisher = keyof typeof METRIC_SERVICES;

/**
 * A freshindex metric of one publisher, for one resource type (or none, for `MonitorJobsStuck`).
 *
 * @example
 * freshindexMetric('apply', 'ApplyFreshnessLag', 'video', { statistic: 'p99', period: Duration.minutes(1) });
 */
export function freshindexMetric(publisher: MetricPublisher, metricName: string, type: string | undefined, options: cw.MetricOptions = {}): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRIC_SERVICES[publisher], ...(type === undefined ? {} : { type }) },
    period: Duration.minutes(5),
    ...options,
  });
}

/**
 * `100 * failed / total` per period, 0 for a period with no traffic (not a division by zero).
 * Missing values of each metric count as 0, so a period with only failures is 100 %.
 */
export function failurePercent(failed: cw.IMetric, others: readonly cw.IMetric[], label: string, period: Duration): cw.MathExpression {
  const usingMetrics: Record<string, cw.IMetric> = { f: failed };
  others.forEach((metric, index) => (usingMetrics[`m${index}`] = metric));
  const total = ['FILL(f, 0)', ...others.map((_, index) => `FILL(m${index}, 0)`)].join(' + ');
  return new cw.MathExpression({ expression: `IF((${total}) > 0, 100 * FILL(f, 0) / (${total}), 0)`, usingMetrics, label, period });
}

/** Changes of a type applied per second (the `ApplyApplied` count of each period over its length). */
export function appliedPerSecond(type: string, period: Duration = Duration.minutes(1)): cw.MathExpression {
  return new cw.MathExpression({
    expression: 'FILL(applied, 0) / PERIOD(applied)',
    usingMetrics: { applied: freshindexMetric('apply', 'ApplyApplied', type, { statistic: 'Sum' }) },
    label: 'applied/s',
    period,
  });
}
