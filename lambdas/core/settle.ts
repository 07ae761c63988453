/**
 * Per-item answers of the batch ports. `RecordStore.write` and `Source.getMany` reject when any
 * item failed, so an all-or-nothing caller cannot miss a failure; the applier wants each item's
 * own answer instead, so one item's failure touches only its own change. These two functions
 * turn either kind of answer into one outcome per item.
 */
import { PartialReadError, PartialWriteError } from './errors.ts';
import type { RecordStore, Source, SourceDoc } from './ports.ts';
import type { Generation, RecordWrite, WriteOutcome } from './records.ts';

/** What a source said about one id. */
export type SourceRead = { status: 'found'; doc: SourceDoc } | { status: 'missing' } | { status: 'failed'; error: unknown };

/** Writes `writes`, answering one outcome per write, in order; never rejects. */
export async function settleWrites(records: RecordStore, type: string, generation: Generation, writes: readonly RecordWrite[]): Promise<WriteOutcome[]> {
  if (writes.length === 0) return [];
  try {
    return await records.write(type, generation, writes);
  } catch (error) {
    if (error instanceof PartialWriteError && error.outcomes.length === writes.length) return [...error.outcomes];
    return writes.map(() => ({ error }));
  }
}

/** Reads `ids`, answering what the source said about each one; never rejects. */
export async function readEach(source: Source, ids: readonly string[]): Promise<Map<string, SourceRead>> {
  const reads = new Map<string, SourceRead>();
  if (ids.length === 0) return reads;
  let found: ReadonlyMap<string, SourceDoc>;
  let failures: ReadonlyMap<string, unknown> = new Map();
  try {
    found = await source.getMany(ids);
  } catch (error) {
    if (!(error instanceof PartialReadError)) {
      for (const id of ids) reads.set(id, { status: 'failed', error });
      return reads;
    }
    found = error.found;
    failures = error.failures;
  }
  for (const id of ids) {
    const doc = found.get(id);
    const failure = failures.has(id) ? failures.get(id) : undefined;
    reads.set(id, doc !== undefined ? { status: 'found', doc } : failures.has(id) ? { status: 'failed', error: failure } : { status: 'missing' });
  }
  return reads;
}
