import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { EmbedStats } from '../core/embed/embed.ts';

/** A metric's unit (`MetricUnit.Count`...). */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The dimension value of a message whose resource type could not be read. */
export const UNKNOWN_TYPE = 'unknown';

/** Values per EMF line: below Powertools' own flush at 100 values of one metric (or 100 metrics). */
const MAX_VALUES_PER_FLUSH = 99;

type MetricValue = { name: string; unit: Unit; value: number };

/** One value per count metric (their sum), the other values as they came. */
function collapseCounts(values: MetricValue[]): MetricValue[] {
  const counts = new Map<string, MetricValue>();
  const others: MetricValue[] = [];
  for (const value of values) {
    if (value.unit !== MetricUnit.Count) {
      others.push(value);
      continue;
    }
    const total = counts.get(value.name);
    if (total) total.value += value.value;
    else counts.set(value.name, { ...value });
  }
  return [...counts.values(), ...others];
}

/**
 * The metrics of one invocation, named `<Component><What>` (`ApplyApplied`, `VerifyRepaired`,
 * like the jobs' `RebuildSucceeded`) with a `type` dimension (the resource type). Values are
 * gathered per type and published at the end, one EMF line per type (more for over 99 lag values).
 */
export class TypeMetrics {
  readonly #values = new Map<string, MetricValue[]>();

  constructor(
    private readonly metrics: Metrics,
    private readonly component: 'Apply' | 'Verify' | 'Monitor',
  ) {}

  /** Counts one `name` event of `type`. */
  count(type: string | undefined, name: string): void {
    this.add(type, name, MetricUnit.Count, 1);
  }

  /**
   * Counts what one call of `type`'s embed step did: `EmbedTexts` (texts asked for),
   * `EmbedCacheHits` (distinct texts the cache answered), `EmbedComputed` (distinct texts the
   * provider embedded), `EmbedProviderCalls` and `EmbedFailures` (distinct texts left without a vector).
   */
  embedded(type: string, stats: EmbedStats): void {
    this.add(type, 'EmbedTexts', MetricUnit.Count, stats.texts);
    this.add(type, 'EmbedCacheHits', MetricUnit.Count, stats.cached);
    this.add(type, 'EmbedComputed', MetricUnit.Count, stats.computed);
    this.add(type, 'EmbedProviderCalls', MetricUnit.Count, stats.calls);
    this.add(type, 'EmbedFailures', MetricUnit.Count, stats.failed);
  }

  /** Records a value of `type`'s `name` metric. */
  add(type: string | undefined, name: string, unit: Unit, value: number): void {
    const key = type || UNKNOWN_TYPE;
    const values = this.#values.get(key) ?? [];
    values.push({ name: `${this.component}${name}`, unit, value });
    this.#values.set(key, values);
  }

  /**
   * Publishes what was gathered, per type, and starts over. Counts are summed into one value per
   * metric; the other values (lags) go out in flushes of at most {@link MAX_VALUES_PER_FLUSH}, each
   * with its `type` dimension: Powertools flushes by itself at 100 values of one metric, and that
   * flush drops the dimensions added before it, which would publish the rest without its type.
   */
  publish(): void {
    for (const [type, values] of this.#values) {
      const batch = collapseCounts(values);
      for (let start = 0; start < batch.length; start += MAX_VALUES_PER_FLUSH) {
        this.metrics.addDimension('type', type);
        for (const { name, unit, value } of batch.slice(start, start + MAX_VALUES_PER_FLUSH)) this.metrics.addMetric(name, unit, value);
        this.metrics.publishStoredMetrics();
      }
    }
    this.#values.clear();
  }
}
