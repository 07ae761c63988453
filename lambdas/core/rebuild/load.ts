import type { TypeConfig } from '../config/schema.ts';
import type { EmbedStep } from '../embed/ports.ts';
import { embedWrites, fromCache, type PlannedUpsert } from '../embed/writes.ts';
import { describeError, isRetryable, TransformError } from '../errors.ts';
import type { RecordStore, Source, SourceDoc } from '../ports.ts';
import { toStoredRecord, type Generation, type StoredRecord } from '../records.ts';
import { toUpsertFromDoc } from '../transform.ts';
import type { ProgressTracker } from './progress.ts';
import { Reservoir } from './sample.ts';

/**
 * Tuning of the bulk load. Memory stays below about segments × (pageSize + chunkSize) + writesInFlight × chunkSize records
 * (a type that embeds holds up to one `embed.batchSize` more, the texts waiting for a full provider batch).
 */
export interface LoadTuning {
  /** Parallel scan segments. */
  segments: number;
  /** Page size asked of the source. */
  pageSize: number;
  /** Records per bulk write call (the store splits them into BatchWriteItem calls of 25). */
  chunkSize: number;
  /** Bulk write calls in flight at once, over all segments. */
  writesInFlight: number;
  /** The segments (of `segments`) this process loads, when the load is split over processes (an array job's child). @default all */
  only?: readonly number[];
}

export interface LoadResult {
  scanned: number;
  loaded: number;
  transformErrors: number;
  errorSamples: string[];
  /** A uniform random sample of the loaded ids (for the gate). */
  sample: string[];
  durationMs: number;
}

export interface LoadArgs {
  type: TypeConfig;
  source: Source;
  records: RecordStore;
  generation: Generation;
  tuning: LoadTuning;
  tombstoneTtlSeconds: number;
  sampleSize: number;
  clock: () => number;
  random: () => number;
  progress: ProgressTracker;
  signal?: AbortSignal;
  /** The type's embed step: each chunk is embedded (one call of the step) before it is written. */
  embed?: EmbedStep | undefined;
}

const MAX_ERROR_SAMPLES = 10;

/**
 * Streams the whole source into a generation: every segment scans page by page, transforms with
 * the type's one transform, and hands chunks to `bulkPut` with a bounded number of writes in
 * flight. A scan never waits for its own writes unless the write budget is used up, which is
 * what bounds memory whatever the size of the source.
 */
export async function loadGeneration(args: LoadArgs): Promise<LoadResult> {
  const startedAt = args.clock();
  const state = { scanned: 0, loaded: 0, transformErrors: 0, errorSamples: [] as string[] };
  const reservoir = new Reservoir<string>(args.sampleSize, args.random);
  const writes = new WriteBudget(args.tuning.writesInFlight);
  const { chunkSize } = args.tuning;
  const writer = chunkWriter(args, state, reservoir, writes);
  const flush = writer.flush;
  // One segment failing stops the others: nothing of this load may keep writing after it returns.
  const stop = new AbortController();
  const signal = args.signal ? AbortSignal.any([args.signal, stop.signal]) : stop.signal;
  const scanSegment = async (segment: number) => {
    let buffer: PlannedUpsert[] = [];
    const scan = args.source.scan({ segment, totalSegments: args.tuning.segments, pageSize: args.tuning.pageSize, signal });
    for await (const page of scan) {
      signal.throwIfAborted();
      for (const doc of page) {
        const write = transformOne(args, doc, state);
        if (write !== undefined) buffer.push(write);
      }
      while (buffer.length >= chunkSize) {
        await flush(buffer.slice(0, chunkSize));
        buffer = buffer.slice(chunkSize);
      }
    }
    if (buffer.length > 0) await flush(buffer);
  };
  const mine = args.tuning.only ?? Array.from({ length: args.tuning.segments }, (_, segment) => segment);
  const segments = await Promise.allSettled(
    mine.map((segment) =>
      scanSegment(segment).catch((error: unknown) => {
        stop.abort(error);
        throw error;
      }),
    ),
  );
  await writes.drain();
  if (!signal.aborted && segments.every((result) => result.status === 'fulfilled')) await writer.finish();
  const failed = segments.find((result) => result.status === 'rejected');
  // The first segment to fail stopped the others: its error is the cause, not their AbortErrors.
  if (failed) throw args.signal?.aborted ? args.signal.reason : stop.signal.aborted ? stop.signal.reason : failed.reason;
  writes.throwIfFailed();
  return { ...state, sample: reservoir.items(), durationMs: args.clock() - startedAt };
}

/**
 * The write side of a load: each chunk's records with a cached vector (or none to embed) are
 * written at once; the texts the cache misses are gathered over chunks and segments into full
 * provider batches, so a rebuild after a few edits makes about (changed texts ÷ batchSize)
 * provider calls. `finish` embeds and writes what is left once every segment is scanned.
 */
function chunkWriter(args: LoadArgs, state: LoadState & { loaded: number }, reservoir: Reservoir<string>, writes: WriteBudget) {
  const { chunkSize } = args.tuning;
  const store = async (records: StoredRecord[]) => {
    for (const record of records) reservoir.offer(record.id);
    for (let start = 0; start < records.length; start += chunkSize) {
      const chunk = records.slice(start, start + chunkSize);
      await args.records.bulkPut(args.type.name, args.generation, chunk);
      state.loaded += chunk.length;
      args.progress.add(chunk.length);
    }
  };
  const misses = new MissQueue(args.embed?.config.batchSize ?? 1);
  const embedAndStore = async (planned: readonly PlannedUpsert[]) => store(await withVectors(args, planned, state));
  return {
    flush: (planned: PlannedUpsert[]) =>
      writes.run(async () => {
        const { ready, missing } = await fromCache(args.embed, planned);
        await store(ready.map((write) => toStoredRecord(args.type.name, args.generation, write, args.clock(), args.tombstoneTtlSeconds)));
        const full = misses.add(missing);
        if (full.length > 0) await embedAndStore(full);
      }),
    finish: async () => {
      const rest = misses.takeAll();
      if (rest.length === 0) return;
      await writes.run(() => embedAndStore(rest));
      await writes.drain();
    },
  };
}

/** Upserts waiting for their embedding, handed out in whole batches. */
class MissQueue {
  #pending: PlannedUpsert[] = [];
  constructor(private readonly batchSize: number) {}

  /** Adds `writes`; returns the whole batches now ready (none while fewer than a batch wait). */
  add(writes: readonly PlannedUpsert[]): PlannedUpsert[] {
    this.#pending.push(...writes);
    const whole = Math.floor(this.#pending.length / this.batchSize) * this.batchSize;
    return whole === 0 ? [] : this.#pending.splice(0, whole);
  }

  takeAll(): PlannedUpsert[] {
    return this.#pending.splice(0);
  }
}

type LoadState = { scanned: number; transformErrors: number; errorSamples: string[] };

function transformOne(args: LoadArgs, doc: SourceDoc, state: LoadState): PlannedUpsert | undefined {
  state.scanned++;
  try {
    return toUpsertFromDoc(args.type, doc);
  } catch (error) {
    if (!(error instanceof TransformError)) throw error;
    countError(args, state, error);
    return undefined;
  }
}

function countError(args: LoadArgs, state: LoadState, error: unknown): void {
  state.transformErrors++;
  args.progress.add(1);
  if (state.errorSamples.length < MAX_ERROR_SAMPLES) state.errorSamples.push(describeError(error));
}

/**
 * A chunk's stored records, each with its vector when the type embeds. A document the provider
 * refused for good counts as a transform error (the gate's error rate weighs it); a transient
 * failure that outlived the provider's retries stops the load (the build fails, saying why).
 */
async function withVectors(args: LoadArgs, chunk: readonly PlannedUpsert[], state: LoadState): Promise<StoredRecord[]> {
  const { ready } = await embedWrites(args.embed, chunk, args.signal);
  const records: StoredRecord[] = [];
  for (const outcome of ready) {
    if ('error' in outcome) {
      if (isRetryable(outcome.error)) throw outcome.error;
      countError(args, state, outcome.error);
      continue;
    }
    records.push(toStoredRecord(args.type.name, args.generation, outcome.write, args.clock(), args.tombstoneTtlSeconds));
  }
  return records;
}

/**
 * At most `limit` tasks in flight. `run` resolves as soon as its task has *started* (so the
 * caller may go on scanning), and waits only while the budget is used up. The first failure is
 * kept and rethrown to every later caller, which stops the load.
 */
class WriteBudget {
  readonly #inFlight = new Set<Promise<void>>();
  #failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.#inFlight.size >= this.limit) await Promise.race(this.#inFlight);
    this.throwIfFailed();
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => this.#inFlight.delete(running));
    this.#inFlight.add(running);
  }

  async drain(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
