/**
 * A load split over processes: past what one container writes, the build's segments are loaded
 * by N children (an AWS Batch array job, locally N child processes), each a disjoint set of
 * segments, while the parent holds the lease, then replays, gates and flips. A child that dies is
 * run again: the load's writes are unconditional puts of the same records, so a second run of a
 * child's segments is harmless, and the replay after it repairs whatever a child overwrote.
 */
import type { Generation } from '../records.ts';
import type { LoadResult } from './load.ts';
import { Reservoir } from './sample.ts';

/** What the children of one build load. */
export interface ChildPlan {
  type: string;
  buildId: string;
  generation: Generation;
  /** Scan segments over all children. */
  totalSegments: number;
  children: number;
  pageSize: number;
  chunkSize: number;
  /** Bulk write calls in flight in each child. */
  writesInFlight: number;
}

/** Runs the children of a plan to their end (retrying a child that failed) and hands back each one's result. */
export interface ChildLoader {
  load(plan: ChildPlan, signal: AbortSignal): Promise<LoadResult[]>;
}

/** The segments child `child` of `children` loads: every `children`-th, so the children's sets are disjoint and cover all. */
export function segmentsOfChild(child: number, children: number, totalSegments: number): number[] {
  if (!Number.isInteger(child) || child < 0 || child >= children) throw new RangeError(`invalid child ${child} of ${children}`);
  const segments: number[] = [];
  for (let segment = child; segment < totalSegments; segment += children) segments.push(segment);
  return segments;
}

/**
 * The children's results as one load: counts added, the slowest child's duration, and a sample of
 * `sampleSize` drawn from the children's samples (each child's sample is uniform over its own
 * segments, which are of about the same size).
 */
export function mergeLoads(results: readonly LoadResult[], sampleSize: number, random: () => number): LoadResult {
  const reservoir = new Reservoir<string>(sampleSize, random);
  for (const id of results.flatMap((result) => result.sample)) reservoir.offer(id);
  return {
    scanned: sum(results.map((result) => result.scanned)),
    loaded: sum(results.map((result) => result.loaded)),
    transformErrors: sum(results.map((result) => result.transformErrors)),
    errorSamples: results.flatMap((result) => result.errorSamples).slice(0, 10),
    sample: reservoir.items(),
    durationMs: Math.max(0, ...results.map((result) => result.durationMs)),
  };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
