import type { Clock, PointerStore } from '../ports.ts';
import { discardBuilding, liveGenerations } from './pointer-ops.ts';
import type { BuildRecordStore, RebuildLog, RetirementStore } from './ports.ts';
import type { BuildReport } from './report.ts';
import type { Retrier } from './retry.ts';

export interface RecoverArgs {
  type: string;
  pointers: PointerStore;
  builds: BuildRecordStore;
  retirements: RetirementStore;
  clock: Clock;
  log: RebuildLog;
  retrier: Retrier;
}

/**
 * Cleans up after a build that stopped without finishing (killed, crashed, lost its lease). The
 * caller holds the lease, so no such build is still running. Idempotent: every step may be
 * interrupted and repeated by the next build.
 *
 * - A building generation in the pointer is cleared (appliers stop writing it) and noted retired.
 * - The unfinished build's record is closed: `succeeded` when its generation went live,
 *   `abandoned` otherwise. Whatever it left (its generation, the one its flip replaced) has a
 *   note from before it was opened, so the clean-up deletes it once the pointer no longer names it.
 */
export async function recoverUnfinished(args: RecoverArgs): Promise<BuildReport['recovered']> {
  const now = args.clock();
  const cleared = await discardBuilding(args.pointers, args.type, undefined, args.clock, args.retrier);
  if (cleared !== undefined) {
    await args.retirements.add({ type: args.type, generation: cleared, records: true, retiredAt: args.clock(), reason: 'left building by an unfinished build' });
  }
  const latest = await args.builds.latest(args.type);
  if (latest?.status !== 'running') {
    return cleared === undefined ? undefined : { generation: cleared, note: `cleared building generation ${cleared} left without a build record` };
  }
  const live = liveGenerations(await args.pointers.readPointer(args.type));
  const wentLive = latest.generation !== undefined && live.has(latest.generation);
  if (wentLive) {
    await args.retirements.add({ type: args.type, generation: latest.generation as number, records: false, retiredAt: args.clock(), reason: 'catch-up log of a flipped build' });
  }
  const note = wentLive
    ? `build ${latest.buildId} stopped after its flip: generation ${latest.generation} is live; its leftovers were handed to the clean-up`
    : `build ${latest.buildId} stopped in phase "${latest.phase}"; generation ${latest.generation ?? '(none)'} was discarded`;
  await args.builds.save({ ...latest, status: wentLive ? 'succeeded' : 'abandoned', phase: 'done', updatedAt: now, finishedAt: now });
  args.log.warn('recovered an unfinished build', { type: args.type, buildId: latest.buildId, note });
  return { buildId: latest.buildId, ...(latest.generation === undefined ? {} : { generation: latest.generation }), note };
}
