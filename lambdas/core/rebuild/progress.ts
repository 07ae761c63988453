import type { Clock } from '../ports.ts';
import type { BuildProgress } from './report.ts';

/**
 * Counts the documents a load handled and derives its rate and ETA. `report` fires on `start`
 * (nothing done yet, so a status shows the load from its first second), then at most once per
 * `intervalMs`, and once more on `finish`, so a fast load does not flood logs and records.
 */
export class ProgressTracker {
  #done = 0;
  #lastReport = 0;
  readonly #startedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly report: (progress: BuildProgress) => void,
    private total?: number,
  ) {
    this.#startedAt = clock();
    this.#lastReport = this.#startedAt;
  }

  get done(): number {
    return this.#done;
  }

  /** Reports that the load began (0 documents, the total when known). */
  start(): void {
    this.report(this.snapshot());
  }

  /** Adds `count` handled documents; reports when the interval has passed. */
  add(count: number): void {
    this.#done += count;
    const now = this.clock();
    if (now - this.#lastReport >= this.intervalMs) {
      this.#lastReport = now;
      this.report(this.snapshot());
    }
  }

  /** Reports the final figures. */
  finish(): BuildProgress {
    const progress = this.snapshot();
    this.report(progress);
    return progress;
  }

  snapshot(): BuildProgress {
    const elapsedSeconds = Math.max(0.001, (this.clock() - this.#startedAt) / 1000);
    const perSecond = round(this.#done / elapsedSeconds);
    const progress: BuildProgress = { done: this.#done, perSecond };
    if (this.total !== undefined) {
      progress.total = this.total;
      if (perSecond > 0) progress.etaSeconds = Math.max(0, Math.round((this.total - this.#done) / perSecond));
    }
    return progress;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
