/**
 * The vector journal: which ids of a generation changed when, so the process answering similar()
 * updates its index of the generation without scanning it again (docs/vectors.md, "Freshness").
 *
 * It lives in the catch-up log's storage (the `CatchUpLog` port, both stores), under a log name
 * per type and time slice: `<type>~vectors~<slice>` where `slice = floor(epoch ms / sliceMs)`.
 * The apply path journals an id BEFORE it writes the record, so a write is never missed: a write
 * that then fails leaves an id whose record did not change, which costs one read. Entries
 * expire with the catch-up log's week.
 */
import type { CatchUpLog, Clock, RecordStore } from '../ports.ts';
import type { Generation, RecordWrite, WriteResult } from '../records.ts';

/** The journal's time slice (ms): ids changed in one slice are one set. */
export const JOURNAL_SLICE_MS = 60_000;

/** The catch-up log name of `type`'s journal slice `slice`. */
export function journalLogName(type: string, slice: number): string {
  return `${type}~vectors~${slice}`;
}

/** The slice of epoch ms `at`. */
export function sliceOf(at: number, sliceMs = JOURNAL_SLICE_MS): number {
  return Math.floor(at / sliceMs);
}

/** The ids a write changes in a vector index: upserts carrying a vector, and deletes. */
function journaledIds(writes: readonly RecordWrite[]): string[] {
  return writes.filter((write) => write.kind === 'delete' || write.vector !== undefined).map((write) => write.id);
}

/** Options of `journalingStore`. */
export interface JournalingOptions {
  journal: Pick<CatchUpLog, 'record'>;
  /** Whether `type` has vectors (an `embed` step): only those are journaled. */
  hasVectors: (type: string) => boolean;
  clock: Clock;
  sliceMs?: number;
}

/**
 * `store` with every guarded write of a type with vectors journaled first (the apply path's and
 * the rebuild's replay writes; bulk loads are not journaled: an index of a generation is built by
 * scanning it after its load).
 */
export function journalingStore<S extends Pick<RecordStore, 'write'>>(store: S, options: JournalingOptions): S {
  const write = async (type: string, generation: Generation, writes: readonly RecordWrite[]): Promise<WriteResult[]> => {
    const ids = options.hasVectors(type) ? journaledIds(writes) : [];
    if (ids.length > 0) await options.journal.record(journalLogName(type, sliceOf(options.clock(), options.sliceMs)), generation, ids);
    return store.write(type, generation, writes);
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The ids journaled for `type`'s `generation` in the slices from `fromSlice` to `toSlice`, each once. */
export async function readJournal(journal: Pick<CatchUpLog, 'read'>, type: string, generation: Generation, fromSlice: number, toSlice: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let slice = fromSlice; slice <= toSlice; slice++) {
    for await (const page of journal.read(journalLogName(type, slice), generation)) page.forEach((id) => ids.add(id));
  }
  return ids;
}
