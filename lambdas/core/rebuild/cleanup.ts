import { describeError } from '../errors.ts';
import type { CatchUpLog, Clock, PointerStore, RecordStore } from '../ports.ts';
import type { Generation } from '../records.ts';
import type { Sleep } from './lease.ts';
import { liveGenerations } from './pointer-ops.ts';
import type { RebuildLog, Retirement, RetirementStore } from './ports.ts';

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
  deletesPerSecond: number;
  segments: number;
  /** Wait for notes not yet due (true at the end of a build), or leave them for a later run. */
  waitUntilDue: boolean;
  log: RebuildLog;
  /** Stops the clean-up between notes and wakes its waits (the job was asked to stop). */
  signal?: AbortSignal | undefined;
}

export interface CleanupResult {
  generations: Generation[];
  deleted: number;
  failed: Array<{ generation: Generation; error: string }>;
}

/**
 * Deletes retired generations, rate-limited so the live table keeps its capacity for readers and
 * appliers. A note is removed only after its generation was scanned empty and its catch-up log
 * cleared, so an interrupted clean-up resumes at the next build. The records of a generation the
 * pointer still names are never touched.
 */
export async function runRetirements(args: CleanupArgs): Promise<CleanupResult> {
  const result: CleanupResult = { generations: [], deleted: 0, failed: [] };
  const notes = (await args.retirements.pending(args.type)).sort((a, b) => a.retiredAt - b.retiredAt);
  const sleep: Sleep = (ms) => args.sleep(ms, args.signal);
  const limiter = new RateLimiter(args.deletesPerSecond, args.clock, sleep);
  for (const note of notes) {
    // Asked to stop: what is left stays noted, and the next build resumes it.
    if (args.signal?.aborted) break;
    const dueIn = note.retiredAt + args.graceMs - args.clock();
    if (dueIn > 0) {
      if (!args.waitUntilDue) continue;
      await sleep(dueIn);
    }
    try {
      result.deleted += await retire(args, note, limiter);
      result.generations.push(note.generation);
    } catch (error) {
      result.failed.push({ generation: note.generation, error: describeError(error) });
      args.log.warn('clean-up of a retired generation failed; the next build resumes it', { type: args.type, generation: note.generation, error: describeError(error) });
    }
  }
  return result;
}

async function retire(args: CleanupArgs, note: Retirement, limiter: RateLimiter): Promise<number> {
  const pointer = await args.pointers.readPointer(args.type);
  if (note.records && liveGenerations(pointer).has(note.generation)) {
    args.log.error('a retirement note names a live generation; dropping the note, keeping the generation', { type: args.type, generation: note.generation });
    await args.retirements.remove(args.type, note.generation);
    return 0;
  }
  let deleted = 0;
  if (note.records) {
    await Promise.all(
      Array.from({ length: args.segments }, async (_, segment) => {
        for await (const page of args.records.scanGeneration(args.type, note.generation, { segment, totalSegments: args.segments })) {
          await limiter.take(page.length);
          await args.records.deleteRecords(args.type, note.generation, page.map((record) => record.id));
          deleted += page.length;
        }
      }),
    );
  }
  await args.catchUp.clear(args.type, note.generation);
  await args.retirements.remove(args.type, note.generation);
  args.log.info('retired generation deleted', { type: args.type, generation: note.generation, deleted, reason: note.reason });
  return deleted;
}

/** Spaces work out to `perSecond` units a second, shared by all callers. */
class RateLimiter {
  #reserved = 0;
  #startedAt: number | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
    private readonly sleep: Sleep,
  ) {}

  async take(units: number): Promise<void> {
    this.#startedAt ??= this.clock();
    this.#reserved += units;
    const notBefore = this.#startedAt + ((this.#reserved - units) / this.perSecond) * 1000;
    const wait = notBefore - this.clock();
    if (wait > 0) await this.sleep(wait);
  }
}
