/**
 * A type's apply metrics from CloudWatch GetMetricData: `ApplyApplied` (Sum) and
 * `ApplyFreshnessLag` (p50, p99) of namespace `freshindex`, dimensions `type` and `service`
 * (`freshindex-apply`, the dimension Powertools adds to every metric the apply function
 * publishes), in one-minute periods.
 */
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { MetricsError, periodStarts, type MetricPoint, type MetricSeries, type MetricsReader } from '../../core/metrics.ts';

/** CloudWatch's standard resolution. */
const PERIOD_SECONDS = 60;
/** The namespace and service the apply function publishes under. */
export const APPLY_METRICS = { namespace: 'freshindex', service: 'freshindex-apply' } as const;

/** Reads the apply metrics of a type from CloudWatch; `client` is asked for on the first read. */
export class CloudWatchMetricsReader implements MetricsReader {
  constructor(private readonly client: () => CloudWatchClient) {}

  async applySeries(type: string, minutes: number, now: number): Promise<MetricSeries> {
    const starts = periodStarts(now, minutes, PERIOD_SECONDS * 1000);
    const from = starts[0] ?? now;
    const values = new Map<string, Map<number, number>>();
    let nextToken: string | undefined;
    do {
      let answer;
      try {
        answer = await this.client().send(
          new GetMetricDataCommand({ MetricDataQueries: queries(type), StartTime: new Date(from), EndTime: new Date(now + PERIOD_SECONDS * 1000), ScanBy: 'TimestampAscending', NextToken: nextToken }),
        );
      } catch (error) {
        throw new MetricsError('CloudWatch GetMetricData failed', { cause: error });
      }
      for (const result of answer.MetricDataResults ?? []) {
        const series = values.get(result.Id ?? '') ?? new Map<number, number>();
        values.set(result.Id ?? '', series);
        (result.Timestamps ?? []).forEach((timestamp, index) => series.set(timestamp.getTime(), result.Values?.[index] ?? 0));
      }
      nextToken = answer.NextToken;
    } while (nextToken);
    const points = starts.map((at): MetricPoint => ({
      at,
      appliedPerSecond: (values.get('applied')?.get(at) ?? 0) / PERIOD_SECONDS,
      lagP50Ms: values.get('p50')?.get(at) ?? null,
      lagP99Ms: values.get('p99')?.get(at) ?? null,
    }));
    return { type, source: 'cloudwatch', periodSeconds: PERIOD_SECONDS, from, to: now, points };
  }
}

function queries(type: string): MetricDataQuery[] {
  const metric = (MetricName: string) => ({
    Namespace: APPLY_METRICS.namespace,
    MetricName,
    Dimensions: [
      { Name: 'service', Value: APPLY_METRICS.service },
      { Name: 'type', Value: type },
    ],
  });
  return [
    { Id: 'applied', MetricStat: { Metric: metric('ApplyApplied'), Period: PERIOD_SECONDS, Stat: 'Sum' }, ReturnData: true },
    { Id: 'p50', MetricStat: { Metric: metric('ApplyFreshnessLag'), Period: PERIOD_SECONDS, Stat: 'p50' }, ReturnData: true },
    { Id: 'p99', MetricStat: { Metric: metric('ApplyFreshnessLag'), Period: PERIOD_SECONDS, Stat: 'p99' }, ReturnData: true },
  ];
}
