/**
 * The reconciliation after the load, for sources whose scan cursors may shift while documents are
 * inserted or deleted (an offset-paginated CMS: a delete behind the cursor moves every later
 * document one place back, and the next page starts one document too far).
 *
 * Every resource live in the active generation is looked up in the building one; the ones the
 * building generation lacks (neither a record nor a tombstone) are read from the source again:
 * written version-guarded when the source has them, tombstoned when it no longer does. Why that
 * is complete, and what it cannot find, is in docs/rebuild.md ("Sources whose cursors shift").
 */
import type { TypeConfig } from '../config/schema.ts';
import type { RecordStore, Source } from '../ports.ts';
import type { Generation } from '../records.ts';
import type { EmbedStep } from '../embed/ports.ts';
import { replayBatch, type ReplayResult } from './replay.ts';
import { Reservoir } from './sample.ts';

export interface ReconcileArgs {
  type: TypeConfig;
  source: Source;
  records: RecordStore;
  /** The building generation. */
  generation: Generation;
  /** The generation serving now: the resources it holds are the ones the new one must not lose. */
  activeGeneration: Generation;
  /** Parallel scan segments of the active generation. */
  segments: number;
  /** Page size hint of that scan. */
  pageSize: number;
  /** How many restored ids are kept for the gate to compare with the source. */
  sampleSize: number;
  random: () => number;
  clock: () => number;
  signal?: AbortSignal;
  /** The type's embed step: restored upserts get their vector before they are written. */
  embed?: EmbedStep | undefined;
}

export interface ReconcileResult {
  /** Live records of the active generation looked up in the building one. */
  checked: number;
  /** Of those, the ones the building generation lacked: the scan did not return them. */
  missing: number;
  /** Missing ones the source still has, read again and written into the building generation. */
  restored: number;
  /** Missing ones the source no longer has (deleted meanwhile), tombstoned in the building generation. */
  gone: number;
  /** Missing ones the source has but the transform rejects. */
  transformErrors: number;
  errorSamples: string[];
  /** A uniform random sample of the restored ids, compared with the source by the gate. */
  restoredSample: string[];
  durationMs: number;
}

/**
 * Finds the resources the load missed among those the active generation holds, and reads them
 * into the building generation. Memory stays bounded by the pages in flight: nothing holds the
 * set of scanned ids, the building generation itself answers "was it loaded?".
 *
 * @example
 * const result = await reconcileGeneration({ type, source, records, generation: 7, activeGeneration: 6, segments: 4, pageSize: 500, sampleSize: 100, random: Math.random, clock: Date.now });
 * // result.restored resources were missing from the scan and are in generation 7 now
 */
export async function reconcileGeneration(args: ReconcileArgs): Promise<ReconcileResult> {
  const startedAt = args.clock();
  const totals = { checked: 0, missing: 0, restored: 0, gone: 0 };
  const reread: ReplayResult = { replayed: 0, liveDelta: 0, transformErrors: 0, errorSamples: [] };
  const restored = new Reservoir<string>(args.sampleSize, args.random);
  const type = args.type.name;
  await Promise.all(
    Array.from({ length: args.segments }, async (_, segment) => {
      const pages = args.records.scanGeneration(type, args.activeGeneration, {
        segment, totalSegments: args.segments, pageSize: args.pageSize, ...(args.signal ? { signal: args.signal } : {}),
      });
      for await (const page of pages) {
        args.signal?.throwIfAborted();
        const live = page.filter((record) => !record.deleted).map((record) => record.id);
        totals.checked += live.length;
        if (live.length === 0) continue;
        const loaded = await args.records.getRecords(type, args.generation, live);
        const missing = live.filter((id) => !loaded.has(id));
        if (missing.length === 0) continue;
        totals.missing += missing.length;
        const { upserted, gone } = await replayBatch(args, missing, reread);
        for (const id of upserted) restored.offer(id);
        totals.restored += upserted.length;
        totals.gone += gone.length;
      }
    }),
  );
  return {
    ...totals,
    transformErrors: reread.transformErrors,
    errorSamples: reread.errorSamples,
    restoredSample: restored.items(),
    durationMs: args.clock() - startedAt,
  };
}
