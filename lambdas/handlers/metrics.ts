import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

/** A metric's unit (`MetricUnit.Count`...). */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The dimension value of a message whose resource type could not be read. */
export const UNKNOWN_TYPE = 'unknown';

/**
 * The metrics of one invocation, named `<Component><What>` (`ApplyApplied`, `VerifyRepaired`,
 * like the jobs' `RebuildSucceeded`) with a `type` dimension (the resource type). Values are
 * gathered per type and published once per type at the end (one EMF line each).
 */
export class TypeMetrics {
  readonly #values = new Map<string, Array<{ name: string; unit: Unit; value: number }>>();

  constructor(
    private readonly metrics: Metrics,
    private readonly component: 'Apply' | 'Verify' | 'Monitor',
  ) {}

  /** Counts one `name` event of `type`. */
  count(type: string | undefined, name: string): void {
    this.add(type, name, MetricUnit.Count, 1);
  }

  /** Records a value of `type`'s `name` metric. */
  add(type: string | undefined, name: string, unit: Unit, value: number): void {
    const key = type || UNKNOWN_TYPE;
    const values = this.#values.get(key) ?? [];
    values.push({ name: `${this.component}${name}`, unit, value });
    this.#values.set(key, values);
  }

  /** Publishes what was gathered, one batch per type, and starts over. */
  publish(): void {
    for (const [type, values] of this.#values) {
      this.metrics.addDimension('type', type);
      for (const { name, unit, value } of values) this.metrics.addMetric(name, unit, value);
      this.metrics.publishStoredMetrics();
    }
    this.#values.clear();
  }
}
