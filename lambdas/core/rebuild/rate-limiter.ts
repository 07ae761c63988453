import type { Clock } from '../ports.ts';
import type { Sleep } from './lease.ts';

/** Spaces work out to `perSecond` units a second, shared by all callers. */
export class RateLimiter {
  #reserved = 0;
  #startedAt: number | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
    private readonly sleep: Sleep,
  ) {}

  /** Waits until `units` more fit the rate. */
  async take(units: number): Promise<void> {
    this.#startedAt ??= this.clock();
    this.#reserved += units;
    const notBefore = this.#startedAt + ((this.#reserved - units) / this.perSecond) * 1000;
    const wait = notBefore - this.clock();
    if (wait > 0) await this.sleep(wait);
  }
}
