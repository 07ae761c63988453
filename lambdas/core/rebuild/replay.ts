import pLimit from 'p-limit';
import type { TypeConfig } from '../config/schema.ts';
import type { EmbedStep } from '../embed/ports.ts';
import { embedWrites } from '../embed/writes.ts';
import { describeError, isRetryable, TransformError } from '../errors.ts';
import type { CatchUpLog, RecordStore, Source } from '../ports.ts';
import type { Generation, RecordWrite } from '../records.ts';
import { toUpsert } from '../transform.ts';

export interface ReplayArgs {
  type: TypeConfig;
  source: Source;
  records: RecordStore;
  catchUp: CatchUpLog;
  /** The building generation. */
  generation: Generation;
  /** The active generation (its tombstones date deletes whose event carried no version). */
  activeGeneration: Generation;
  /** Ids re-read from the source per call. */
  batchSize: number;
  /** Batches in flight at once. */
  concurrency: number;
  signal?: AbortSignal;
  /** The type's embed step: re-read upserts get their vector before they are written. */
  embed?: EmbedStep | undefined;
}

/** What re-reading resources into the building generation needs (the replay, the reconciliation). */
export type RereadArgs = Pick<ReplayArgs, 'type' | 'source' | 'records' | 'generation' | 'activeGeneration' | 'embed'>;

export interface ReplayResult {
  replayed: number;
  /**
   * What the replay changed in the generation's live count: records it made live that were not,
   * less live ones it tombstoned. Most logged ids were already loaded by the scan, so the gate's
   * expected count takes this, not `replayed`.
   */
  liveDelta: number;
  transformErrors: number;
  errorSamples: string[];
}

/**
 * Replays the catch-up log into the building generation: every resource changed since the
 * generation was opened is read from the source *now* and written version-guarded, or
 * tombstoned when the source no longer has it. This repairs whatever the bulk load's
 * unconditional writes may have put over a newer change.
 */
export async function replayCatchUp(args: ReplayArgs): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: 0, liveDelta: 0, transformErrors: 0, errorSamples: [] };
  const limit = pLimit(args.concurrency);
  for await (const ids of args.catchUp.read(args.type.name, args.generation)) {
    args.signal?.throwIfAborted();
    const batches: string[][] = [];
    for (let start = 0; start < ids.length; start += args.batchSize) batches.push(ids.slice(start, start + args.batchSize));
    await Promise.all(batches.map((batch) => limit(() => replayBatch(args, batch, result))));
  }
  return result;
}

/**
 * Reads `ids` from the source now and writes them into the building generation version-guarded,
 * tombstoning the ones the source no longer has. Resolves with the ids of both kinds.
 */
export async function replayBatch(args: RereadArgs, ids: string[], result: ReplayResult): Promise<{ upserted: string[]; gone: string[] }> {
  // Both generations are read before the source, never beside it: a live write that lands after
  // the source read (a resource re-created meanwhile) must stay newer than a tombstone dated from
  // them. Read after, they could hold that write's version, and at an equal version a delete wins.
  const [before, active] = await Promise.all([args.records.getRecords(args.type.name, args.generation, ids), args.records.getRecords(args.type.name, args.activeGeneration, ids)]);
  const docs = await args.source.getMany(ids);
  const wasLive = (id: string) => before.get(id)?.deleted === false;
  const planned: RecordWrite[] = [];
  const gone: string[] = [];
  const countError = (error: unknown) => {
    result.transformErrors++;
    if (result.errorSamples.length < 10) result.errorSamples.push(describeError(error));
  };
  for (const id of ids) {
    const doc = docs.get(id);
    if (doc === undefined) {
      gone.push(id);
      continue;
    }
    try {
      planned.push(toUpsert(args.type, id, doc));
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      countError(error);
    }
  }
  // An embedding refused for good is counted like a transform error; a transient one fails the replay (retried).
  const writes = (await embedWrites(args.embed, planned)).ready.flatMap((outcome) => {
    if (!('error' in outcome)) return [outcome.write];
    if (isRetryable(outcome.error)) throw outcome.error;
    countError(outcome.error);
    return [];
  });
  const upserted = writes.map((write) => write.id);
  writes.push(...tombstones(gone, before, active));
  if (writes.length > 0) await args.records.write(args.type.name, args.generation, writes);
  result.replayed += ids.length;
  result.liveDelta += upserted.filter((id) => !wasLive(id)).length - gone.filter(wasLive).length;
  return { upserted, gone };
}

/**
 * Deletes of resources the source no longer has, dated at the newest version either generation
 * held before the source was read: at an equal version a delete wins, so the tombstone covers the
 * record the load wrote, and a write that came after the source read stays newer.
 */
function tombstones(ids: readonly string[], building: ReadonlyMap<string, { version: number }>, active: ReadonlyMap<string, { version: number }>): RecordWrite[] {
  return ids.flatMap((id) => {
    const versions = [building.get(id)?.version, active.get(id)?.version].filter((v): v is number => v !== undefined);
    return versions.length === 0 ? [] : [{ kind: 'delete' as const, id, version: Math.max(...versions) }];
  });
}

export interface CarryArgs {
  type: string;
  records: RecordStore;
  from: Generation;
  to: Generation;
  segments: number;
  signal?: AbortSignal;
}

/**
 * Copies the active generation's tombstones into the building one (version-guarded), so a late
 * upsert of a resource deleted before the build (a redelivery, a dead-letter redrive) still meets
 * its tombstone after the flip and cannot bring the resource back.
 */
export async function carryTombstones(args: CarryArgs): Promise<number> {
  let carried = 0;
  await Promise.all(
    Array.from({ length: args.segments }, async (_, segment) => {
      const pages = args.records.scanGeneration(args.type, args.from, { segment, totalSegments: args.segments, ...(args.signal ? { signal: args.signal } : {}) });
      for await (const page of pages) {
        args.signal?.throwIfAborted();
        const deletes: RecordWrite[] = page.filter((record) => record.deleted).map((record) => ({ kind: 'delete', id: record.id, version: record.version }));
        if (deletes.length === 0) continue;
        const results = await args.records.write(args.type, args.to, deletes);
        carried += results.filter((outcome) => outcome === 'written').length;
      }
    }),
  );
  return carried;
}
