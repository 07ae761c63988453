import type { Clock } from '../ports.ts';
import type { BuildRecordStore, RebuildLog } from './ports.ts';
import type { BuildProgress, BuildRecord, CleanupProgress } from './report.ts';

/**
 * Owns one build's control record. Saves are serialized, so a late progress update can never
 * overwrite the final status; a failed progress save is logged, never fatal (the build goes on).
 * The clean-up after the build goes on recording its own progress once the status is final.
 */
export class BuildRecorder {
  #record: BuildRecord;
  #queue: Promise<void> = Promise.resolve();
  #final = false;

  constructor(
    private readonly store: BuildRecordStore,
    record: BuildRecord,
    private readonly clock: Clock,
    private readonly log: RebuildLog,
  ) {
    this.#record = record;
  }

  get record(): BuildRecord {
    return this.#record;
  }

  /** Applies `patch` and saves it; rejects when the save fails. */
  async update(patch: Partial<BuildRecord>): Promise<void> {
    if (this.#final) return;
    if (patch.status !== undefined && patch.status !== 'running') this.#final = true;
    await this.#save({ ...this.#record, ...patch, updatedAt: this.clock() });
  }

  /** Records the clean-up's progress, best effort (also after the status is final). */
  cleanup(cleanup: CleanupProgress): Promise<void> {
    return this.#save({ ...this.#record, cleanup }, { latest: false }).catch((error: unknown) =>
      this.log.warn('could not save the clean-up progress', { type: this.#record.type, buildId: this.#record.buildId, error: String(error) }),
    );
  }

  async #save(record: BuildRecord, options: { latest?: boolean } = {}): Promise<void> {
    this.#record = record;
    const snapshot = record;
    const saved = this.#queue.then(() => this.store.save(snapshot, options));
    this.#queue = saved.catch(() => undefined);
    await saved;
  }

  /** Records progress, best effort. */
  progress(progress: BuildProgress): void {
    this.update({ progress }).catch((error: unknown) =>
      this.log.warn('could not save build progress', { type: this.#record.type, buildId: this.#record.buildId, error: String(error) }),
    );
  }

  /** Waits for pending saves. */
  async flush(): Promise<void> {
    await this.#queue;
  }
}
