/**
 * Every change the rebuild makes to a type's pointer: open a building generation, flip it live,
 * discard it, roll back. Each is one conditional write on the pointer's revision; a lost race is
 * re-read and retried only when the race did not touch what the operation is about.
 */
import { ConflictError } from '../errors.ts';
import { ensurePointer } from '../pointer-cache.ts';
import { nextPointer, type Pointer } from '../pointer.ts';
import type { Clock, PointerStore } from '../ports.ts';
import type { Generation } from '../records.ts';
import { LeaseLostError, NothingToRollBackError } from './errors.ts';

const ATTEMPTS = 10;

/** The generations a pointer names: none of them may be deleted. */
export function liveGenerations(pointer: Pointer | undefined): Set<Generation> {
  const live = new Set<Generation>();
  if (!pointer) return live;
  live.add(pointer.active);
  if (pointer.previous !== undefined) live.add(pointer.previous);
  if (pointer.building) live.add(pointer.building.generation);
  return live;
}

/** Opens a new building generation for `buildId`. From now on every applier that sees it writes there too. */
export async function openGeneration(store: PointerStore, type: string, buildId: string, clock: Clock): Promise<{ before: Pointer; after: Pointer; generation: Generation }> {
  return retrying(async () => {
    const before = await ensurePointer(store, type, clock());
    if (before.building) {
      throw new ConflictError(`"${type}" already has a building generation (${before.building.generation}, build ${before.building.buildId})`, { type });
    }
    const generation = before.nextGeneration;
    const now = clock();
    const after = nextPointer(before, { building: { generation, buildId, startedAt: now }, nextGeneration: generation + 1 }, now);
    await swap(store, before, after);
    return { before, after, generation };
  });
}

/**
 * Flips `buildId`'s generation live: active ← building, previous ← active, building ← none. Valid
 * only while the pointer still names this build's generation, and `confirm` (the lease check,
 * and recording what the flip retires) runs right before the write.
 */
export async function flipGeneration(
  store: PointerStore,
  type: string,
  buildId: string,
  clock: Clock,
  confirm: (current: Pointer) => Promise<void>,
): Promise<{ before: Pointer; after: Pointer }> {
  return retrying(async () => {
    const before = await store.readPointer(type);
    if (!before?.building || before.building.buildId !== buildId) {
      // Only a build holding the lease clears or replaces another build's generation.
      throw new LeaseLostError(type, buildId);
    }
    await confirm(before);
    const now = clock();
    const after = nextPointer(before, { active: before.building.generation, previous: before.active, building: undefined }, now);
    await swap(store, before, after);
    return { before, after };
  });
}

/** Clears the building generation if it is still `buildId`'s (or anyone's, when `buildId` is undefined). Returns the generation it cleared. */
export async function discardBuilding(store: PointerStore, type: string, buildId: string | undefined, clock: Clock): Promise<Generation | undefined> {
  return retrying(async () => {
    const before = await store.readPointer(type);
    if (!before?.building || (buildId !== undefined && before.building.buildId !== buildId)) return undefined;
    await swap(store, before, nextPointer(before, { building: undefined }, clock()));
    return before.building.generation;
  });
}

/** What a rollback did. */
export interface RollbackResult {
  type: string;
  /** The generation that served before the rollback (now previous). */
  from: Generation;
  /** The generation serving now. */
  to: Generation;
  pointer: Pointer;
}

/**
 * Rolls a type back: swaps active and previous with one conditional update, so a second rollback
 * returns again. A running build is left alone (it flips over whatever is active when it ends).
 * Throws `NothingToRollBackError` when there is no previous generation, and `ConflictError` when
 * another flip or rollback got there first.
 */
export async function rollback(store: PointerStore, type: string, clock: Clock): Promise<RollbackResult> {
  const first = await store.readPointer(type);
  if (first?.previous === undefined) throw new NothingToRollBackError(type);
  return retrying(async () => {
    const before = await store.readPointer(type);
    if (!before || before.active !== first.active || before.previous !== first.previous) {
      throw new ConflictError(`the pointer of "${type}" was flipped or rolled back concurrently; look again before rolling back`, { type });
    }
    const to = before.previous as Generation;
    const after = nextPointer(before, { active: to, previous: before.active }, clock());
    await swap(store, before, after);
    return { type, from: before.active, to, pointer: after };
  });
}

/** A swap that lost a race on the revision: worth re-reading the pointer and trying again. */
class RaceLost extends Error {
  constructor(readonly conflict: ConflictError) {
    super(conflict.message);
  }
}

async function swap(store: PointerStore, before: Pointer, after: Pointer): Promise<void> {
  try {
    await store.swapPointer(before, after);
  } catch (error) {
    throw error instanceof ConflictError ? new RaceLost(error) : error;
  }
}

async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RaceLost)) throw error;
      if (tries >= ATTEMPTS) throw error.conflict;
    }
  }
}
