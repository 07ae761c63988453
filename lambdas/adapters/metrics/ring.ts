/**
 * The local runtime's metrics: an in-memory ring of the apply handlers' `ApplyApplied` and
 * `ApplyFreshnessLag` per type, fed by {@link RecordingMetrics} (Powertools' Metrics that also
 * records what it publishes), read by the ops API's metrics route. Bounded: 10-second periods,
 * the last hour, at most {@link MAX_LAG_SAMPLES} lag samples per period.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { periodStarts, type MetricPoint, type MetricSeries, type MetricsReader } from '../../core/metrics.ts';

/** The ring's period. */
export const RING_PERIOD_MS = 10_000;
/** How long the ring keeps a period. */
const RETENTION_MS = 60 * 60_000;
/** Lag samples kept per period and type; beyond it every other sample is dropped (the percentiles stay close). */
export const MAX_LAG_SAMPLES = 4_096;

interface Period {
  applied: number;
  lags: number[];
}

/** The in-memory ring. `clock` gives the instant a metric is recorded at. */
export class MetricRing implements MetricsReader {
  readonly #periods = new Map<string, Map<number, Period>>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Records one published metric of a type. Only the apply metrics the console charts are kept. */
  record(type: string, name: string, value: number): void {
    if (name !== 'ApplyApplied' && name !== 'ApplyFreshnessLag') return;
    const now = this.clock();
    const start = Math.floor(now / RING_PERIOD_MS) * RING_PERIOD_MS;
    const periods = this.#periods.get(type) ?? new Map<number, Period>();
    this.#periods.set(type, periods);
    const period = periods.get(start) ?? { applied: 0, lags: [] };
    if (!periods.has(start)) {
      periods.set(start, period);
      for (const old of periods.keys()) if (old < now - RETENTION_MS) periods.delete(old);
    }
    if (name === 'ApplyApplied') period.applied += value;
    else if (period.lags.length < MAX_LAG_SAMPLES) period.lags.push(value);
    else period.lags[Math.floor(Math.random() * MAX_LAG_SAMPLES)] = value;
  }

  async applySeries(type: string, minutes: number, now: number): Promise<MetricSeries> {
    const starts = periodStarts(now, minutes, RING_PERIOD_MS);
    const periods = this.#periods.get(type);
    const points = starts.map((at): MetricPoint => {
      const period = periods?.get(at);
      const lags = [...(period?.lags ?? [])].sort((a, b) => a - b);
      return { at, appliedPerSecond: (period?.applied ?? 0) / (RING_PERIOD_MS / 1000), lagP50Ms: percentile(lags, 0.5), lagP99Ms: percentile(lags, 0.99) };
    });
    return { type, source: 'local', periodSeconds: RING_PERIOD_MS / 1000, from: starts[0] ?? now, to: now, points };
  }
}

/** The nearest-rank percentile of sorted values; `null` when there are none. */
export function percentile(sorted: readonly number[], quantile: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))] ?? null;
}

/**
 * Powertools' Metrics that also records each metric it is given into a ring, under the `type`
 * dimension set before it (as the handlers' TypeMetrics publishes). EMF output is unchanged.
 */
export class RecordingMetrics extends Metrics {
  #type: string | undefined;

  constructor(
    private readonly ring: MetricRing,
    options: ConstructorParameters<typeof Metrics>[0],
  ) {
    super(options);
  }

  override addDimension(name: string, value: string): this {
    if (name === 'type') this.#type = value;
    return super.addDimension(name, value);
  }

  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    const [name, , value] = args;
    if (this.#type !== undefined) this.ring.record(this.#type, name, value);
    return super.addMetric(...args);
  }
}
