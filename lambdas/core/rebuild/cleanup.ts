import { describeError } from '../errors.ts';
import type { Pointer } from '../pointer.ts';
import type { CatchUpLog, Clock, PointerStore, RecordStore } from '../ports.ts';
import type { Generation } from '../records.ts';
import type { CleanupRate } from './cleanup-rate.ts';
import type { Sleep } from './lease.ts';
import { liveGenerations } from './pointer-ops.ts';
import type { RebuildLog, Retirement, RetirementStore } from './ports.ts';
import { RateLimiter } from './rate-limiter.ts';
import type { Retrier } from './retry.ts';
import type { CleanupProgress } from './report.ts';
import { noteUnnoted } from './sweep.ts';

export interface CleanupArgs {
  type: string;
  pointers: PointerStore;
  records: RecordStore;
  catchUp: CatchUpLog;
  retirements: RetirementStore;
  clock: Clock;
  sleep: Sleep;
  /**
   * How long after retirement a generation may still be used: appliers and readers may hold a
   * cached pointer naming it for the pointer-cache lifetime. Plus a margin.
   */
  graceMs: number;
  /** Deletes per second, over all segments: the budget the clean-up takes from the live table. */
  rate: CleanupRate;
  segments: number;
  log: RebuildLog;
  /** Stops the clean-up and wakes its waits (the job was asked to stop); what is left stays noted. */
  signal?: AbortSignal | undefined;
  /** Retries the deletion of a generation whose scan failed. @default no retry */
  retrier?: Retrier;
  /** Called as the clean-up goes (the build record shows it in `status`). */
  onProgress?: (progress: CleanupProgress) => void;
}

export interface CleanupResult {
  /** Generations whose records were deleted (catch-up logs cleared alone are not counted). */
  generations: Generation[];
  deleted: number;
  failed: Array<{ generation: Generation; error: string }>;
  /** The job was asked to stop before the clean-up finished. */
  interrupted: boolean;
  rate: CleanupRate;
}

/**
 * Deletes every noted generation the pointer no longer names (and the catch-up logs noted for
 * clearing), each once its grace has passed (waiting for it), rate-limited so the live table keeps its capacity for readers and appliers. A note
 * is removed only after its generation was scanned empty and its catch-up log cleared, so an
 * interrupted clean-up resumes at the next build. Generations left without a note by an earlier
 * run are found by the sweep first. The records of a generation the pointer names are never
 * touched.
 */
export async function runRetirements(args: CleanupArgs): Promise<CleanupResult> {
  const result: CleanupResult = { generations: [], deleted: 0, failed: [], interrupted: false, rate: args.rate };
  const pointer = await args.pointers.readPointer(args.type);
  const noted = await args.retirements.pending(args.type);
  const notes = [...noted, ...(await noteUnnoted(args.type, pointer, noted, args.retirements, args.clock))].filter((note) => deletable(note, pointer));
  const sleep: Sleep = (ms) => args.sleep(ms, args.signal);
  const limiter = new RateLimiter(args.rate.deletesPerSecond, args.clock, sleep);
  const progress = new CleanupReporter(args, notes);
  for (const note of notes.sort((a, b) => a.generation - b.generation)) {
    try {
      args.signal?.throwIfAborted();
      const retiredAt = note.retiredAt ?? (await markRetired(args, note));
      const dueIn = retiredAt + args.graceMs - args.clock();
      if (dueIn > 0) {
        progress.report('waiting');
        await sleep(dueIn);
      }
      const onDeleted = (count: number) => {
        result.deleted += count;
        progress.deleted(count);
      };
      const retiring = () => retire(args, note, limiter, onDeleted);
      // Deletes and scans are idempotent: a generation whose scan broke off is scanned again.
      await (args.retrier ? args.retrier.call(`delete generation ${note.generation}`, retiring, { signal: args.signal }) : retiring());
      if (note.records) result.generations.push(note.generation);
      progress.done(note.generation);
    } catch (error) {
      if (args.signal?.aborted) {
        result.interrupted = true;
        break;
      }
      result.failed.push({ generation: note.generation, error: describeError(error) });
      args.log.warn('clean-up of a retired generation failed; the next build resumes it', { type: args.type, generation: note.generation, error: describeError(error) });
    }
  }
  progress.finish(result);
  return result;
}

/** A note the clean-up may act on now: a catch-up log to clear, or a generation handed out once and no longer named. */
function deletable(note: Retirement, pointer: Pointer | undefined): boolean {
  if (!note.records) return true;
  // Generations are never reused: one handed out and no longer named can never be named again.
  return pointer !== undefined && note.generation < pointer.nextGeneration && !liveGenerations(pointer).has(note.generation);
}

/** The first time a generation is seen gone from the pointer: its grace starts now. */
async function markRetired(args: CleanupArgs, note: Retirement): Promise<number> {
  const retiredAt = args.clock();
  await args.retirements.add({ ...note, retiredAt });
  return retiredAt;
}

async function retire(args: CleanupArgs, note: Retirement, limiter: RateLimiter, onDeleted: (count: number) => void): Promise<void> {
  let deleted = 0;
  if (note.records) {
    await Promise.all(
      Array.from({ length: args.segments }, async (_, segment) => {
        for await (const page of args.records.scanIds(args.type, note.generation, { segment, totalSegments: args.segments, ...(args.signal ? { signal: args.signal } : {}) })) {
          await limiter.take(page.length);
          await args.records.deleteRecords(args.type, note.generation, page);
          deleted += page.length;
          onDeleted(page.length);
        }
      }),
    );
  }
  await args.catchUp.clear(args.type, note.generation);
  await args.retirements.remove(args.type, note.generation, note.records);
  args.log.info(note.records ? 'retired generation deleted' : 'catch-up log cleared', { type: args.type, generation: note.generation, deleted, reason: note.reason });
}

/** Turns the clean-up's steps into `CleanupProgress` reports, at most one a second while deleting. */
class CleanupReporter {
  #progress: CleanupProgress;
  #lastReport = 0;

  constructor(
    private readonly args: CleanupArgs,
    notes: readonly Retirement[],
  ) {
    const now = args.clock();
    const pending = [...new Set(notes.filter((note) => note.records).map((note) => note.generation))].sort((a, b) => a - b);
    this.#progress = { state: 'deleting', deletesPerSecond: args.rate.deletesPerSecond, rateFrom: args.rate.from, pending, deletedGenerations: [], deleted: 0, startedAt: now, updatedAt: now };
    this.report('deleting');
  }

  report(state: CleanupProgress['state']): void {
    const now = this.args.clock();
    this.#lastReport = now;
    this.#progress = { ...this.#progress, state, updatedAt: now };
    this.args.onProgress?.(this.#progress);
  }

  deleted(count: number): void {
    this.#progress = { ...this.#progress, deleted: this.#progress.deleted + count };
    if (this.args.clock() - this.#lastReport >= 1_000) this.report('deleting');
  }

  done(generation: Generation): void {
    const { pending, deletedGenerations } = this.#progress;
    if (!pending.includes(generation)) return;
    this.#progress = { ...this.#progress, pending: pending.filter((g) => g !== generation), deletedGenerations: [...deletedGenerations, generation] };
    this.report('deleting');
  }

  finish(result: CleanupResult): void {
    const errors = result.failed.map((failure) => `generation ${failure.generation}: ${failure.error}`);
    this.#progress = { ...this.#progress, finishedAt: this.args.clock(), ...(errors.length > 0 ? { errors } : {}) };
    this.report(result.interrupted ? 'interrupted' : errors.length > 0 ? 'failed' : 'done');
  }
}
