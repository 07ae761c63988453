import type { TypeConfig } from '../core/config/index.ts';
import { describeError } from '../core/errors.ts';
import { loadGeneration, ProgressTracker, segmentsOfChild } from '../core/rebuild/index.ts';
import type { JobContext } from './context.ts';
import { EXIT, type JobArgs, type JobCommand } from './exit.ts';

/** The line a child's result is logged under: its parent reads it from the child's output. */
export const CHILD_RESULT_KEY = 'childLoad';

/**
 * `load-segments --type T`: one child of an array-job rebuild. Loads its disjoint share of the
 * build's segments (`AWS_BATCH_JOB_ARRAY_INDEX` of `FRESHINDEX_LOAD_CHILDREN`) into the building
 * generation, saves its result in the control store (`ChildResultStore`, read by the parent on
 * AWS Batch) and logs it (`childLoad`, read by a local parent). It writes only while the pointer names that
 * generation building for that build, so a child outliving its build does not start writing.
 */
export const loadSegmentsCommand: JobCommand = {
  summary: 'one child of a split rebuild: load its share of the segments into the building generation',
  async run(context: JobContext, args: JobArgs): Promise<number> {
    const { env, logger } = context;
    const type = args.types.length === 1 ? args.types[0] : undefined;
    const { FRESHINDEX_LOAD_BUILD_ID: buildId, FRESHINDEX_LOAD_GENERATION: generation, FRESHINDEX_LOAD_SEGMENTS: totalSegments, FRESHINDEX_LOAD_CHILDREN: children } = env;
    const child = env.AWS_BATCH_JOB_ARRAY_INDEX ?? 0;
    if (!type || buildId === undefined || generation === undefined || totalSegments === undefined || children === undefined) {
      logger.error('load-segments needs one --type and FRESHINDEX_LOAD_BUILD_ID, FRESHINDEX_LOAD_GENERATION, FRESHINDEX_LOAD_SEGMENTS and FRESHINDEX_LOAD_CHILDREN');
      return EXIT.usage;
    }
    try {
      const pointer = await context.runtime.pointerStore.readPointer(type.name);
      if (pointer?.building?.generation !== generation || pointer.building.buildId !== buildId) {
        logger.error('the generation is no longer building for this build; nothing loaded', { type: type.name, buildId, generation });
        return EXIT.failed;
      }
      return await loadShare(context, type, { buildId, generation, totalSegments, children, child });
    } catch (error) {
      logger.error('child load failed', { type: type.name, buildId, child, error: describeError(error) });
      return context.signal.aborted ? EXIT.interrupted : EXIT.error;
    }
  },
};

async function loadShare(context: JobContext, type: TypeConfig, share: { buildId: string; generation: number; totalSegments: number; children: number; child: number }): Promise<number> {
  const { runtime, env, logger } = context;
  const resolved = runtime.types.get(type.name);
  const source = resolved?.source;
  if (!source) throw new Error(`type "${type.name}" has no source`);
  const only = segmentsOfChild(share.child, share.children, share.totalSegments);
  logger.info('child load started', { type: type.name, ...share, segments: only });
  const progress = new ProgressTracker(runtime.clock, 5_000, (snapshot) => logger.info('child load progress', { type: type.name, child: share.child, ...snapshot }));
  const result = await loadGeneration({
    type, source, records: runtime.records, generation: share.generation, tombstoneTtlSeconds: runtime.config.tombstoneTtlSeconds,
    tuning: { segments: share.totalSegments, only, pageSize: env.FRESHINDEX_LOAD_PAGE_SIZE, chunkSize: env.FRESHINDEX_LOAD_CHUNK_SIZE, writesInFlight: env.FRESHINDEX_LOAD_WRITES_IN_FLIGHT },
    sampleSize: type.rebuild.gate.sampleSize, clock: runtime.clock, random: Math.random, progress, signal: context.signal, embed: resolved?.embed,
  });
  progress.finish();
  // On AWS Batch the parent reads the result from the control store (its log does not reach the parent); locally, from the log line too.
  await runtime.childResults.save(type.name, share.buildId, share.child, result);
  logger.info('child load finished', { type: type.name, child: share.child, [CHILD_RESULT_KEY]: result });
  return EXIT.ok;
}
