import type { Clock, PointerStore } from '../ports.ts';
import type { Generation } from '../records.ts';
import { discardBuilding, liveGenerations } from './pointer-ops.ts';
import type { BuildRecordStore, RebuildLog, RetirementStore } from './ports.ts';
import type { BuildReport } from './report.ts';

export interface RecoverArgs {
  type: string;
  pointers: PointerStore;
  builds: BuildRecordStore;
  retirements: RetirementStore;
  clock: Clock;
  log: RebuildLog;
}

/**
 * Cleans up after a build that stopped without finishing (killed, crashed, lost its lease). The
 * caller holds the lease, so no such build is still running. Idempotent: every step may be
 * interrupted and repeated by the next build.
 *
 * - A building generation in the pointer is cleared (appliers stop writing it) and retired.
 * - The unfinished build's record names its generation and, once it was about to flip, the
 *   generation its flip retires: whichever of these the pointer no longer names is retired.
 *   Generations are never reused, so a generation the pointer dropped never comes back.
 * - The record is closed: `succeeded` when its generation went live, `abandoned` otherwise.
 */
export async function recoverUnfinished(args: RecoverArgs): Promise<BuildReport['recovered']> {
  const now = args.clock();
  const cleared = await discardBuilding(args.pointers, args.type, undefined, args.clock);
  if (cleared !== undefined) {
    await args.retirements.add({ type: args.type, generation: cleared, records: true, retiredAt: args.clock(), reason: 'left building by an unfinished build' });
  }
  const latest = await args.builds.latest(args.type);
  if (latest?.status !== 'running') {
    return cleared === undefined ? undefined : { generation: cleared, note: `cleared building generation ${cleared} left without a build record` };
  }
  const live = liveGenerations(await args.pointers.readPointer(args.type));
  const wentLive = latest.generation !== undefined && live.has(latest.generation);
  const garbage = [latest.generation, latest.retires].filter((g): g is Generation => g !== undefined && !live.has(g));
  for (const generation of new Set(garbage)) {
    await args.retirements.add({ type: args.type, generation, records: true, retiredAt: args.clock(), reason: `left by unfinished build ${latest.buildId}` });
  }
  if (wentLive) {
    await args.retirements.add({ type: args.type, generation: latest.generation as Generation, records: false, retiredAt: args.clock(), reason: 'catch-up log of a flipped build' });
  }
  const note = wentLive
    ? `build ${latest.buildId} stopped after its flip: generation ${latest.generation} is live; its leftovers were handed to the clean-up`
    : `build ${latest.buildId} stopped in phase "${latest.phase}"; generation ${latest.generation ?? '(none)'} was discarded`;
  await args.builds.save({ ...latest, status: wentLive ? 'succeeded' : 'abandoned', phase: 'done', updatedAt: now, finishedAt: now });
  args.log.warn('recovered an unfinished build', { type: args.type, buildId: latest.buildId, note });
  return { buildId: latest.buildId, ...(latest.generation === undefined ? {} : { generation: latest.generation }), note };
}
