import type { Clock } from '../ports.ts';
import type { BuildRecordStore, RebuildLog } from './ports.ts';
import type { BuildProgress, BuildRecord } from './report.ts';

/**
 * Owns one build's control record. Saves are serialized, so a late progress update can never
 * overwrite the final status; a failed progress save is logged, never fatal (the build goes on).
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
    this.#record = { ...this.#record, ...patch, updatedAt: this.clock() };
    if (patch.status !== undefined && patch.status !== 'running') this.#final = true;
    const snapshot = this.#record;
    const saved = this.#queue.then(() => this.store.save(snapshot));
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
