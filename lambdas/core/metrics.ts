/**
 * The port the console's charts read: a type's changes applied per second and its freshness lag
 * (p50, p99) over the last minutes. Locally an in-memory ring fed by the handlers' metrics; on
 * AWS CloudWatch GetMetricData (namespace `freshindex`, dimension `type`).
 */
import { FreshindexError } from './errors.ts';

/** One period of a type's apply metrics. `null`: nothing was applied in the period. */
export interface MetricPoint {
  /** Start of the period (epoch ms). */
  at: number;
  /** `ApplyApplied` over the period, per second. */
  appliedPerSecond: number;
  /** Percentiles of `ApplyFreshnessLag` (ms) in the period. */
  lagP50Ms: number | null;
  lagP99Ms: number | null;
}

/** A type's apply metrics over a window, oldest period first, one point per period (empty periods included). */
export interface MetricSeries {
  type: string;
  /** Where the figures come from. */
  source: 'local' | 'cloudwatch';
  periodSeconds: number;
  /** The window (epoch ms). */
  from: number;
  to: number;
  points: MetricPoint[];
}

/** Reads a type's apply metrics. */
export interface MetricsReader {
  /** The last `minutes` minutes before `now` (epoch ms). */
  applySeries(type: string, minutes: number, now: number): Promise<MetricSeries>;
}

/** The periods of a window: `count` starts, aligned on `periodMs`, oldest first, the last holding `now`. */
export function periodStarts(now: number, minutes: number, periodMs: number): number[] {
  const last = Math.floor(now / periodMs) * periodMs;
  const count = Math.max(1, Math.round((minutes * 60_000) / periodMs));
  return Array.from({ length: count }, (_, index) => last - (count - 1 - index) * periodMs);
}

/** The metrics could not be read (CloudWatch refused or failed). The ops API answers 503. */
export class MetricsError extends FreshindexError {
  override readonly retryable = true;
  override readonly status = 503;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'MetricsError';
  }
}
