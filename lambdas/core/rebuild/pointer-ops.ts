/**
 * Every change the rebuild makes to a type's pointer: open a building generation, flip it live,
 * discard it, roll back. Each is one conditional write on the pointer's revision. A write that
 * fails transiently, or meets a changed revision, is resolved by reading the pointer back: its
 * answer may have been lost after it landed (a retried write then meets its own revision), and
 * the pointer says whether it landed for this operation or not. A race lost to someone else is
 * re-read and retried only when it did not touch what the operation is about.
 */
import { ConflictError, isRetryable } from '../errors.ts';
import { ensurePointer } from '../pointer-cache.ts';
import { initialPointer, nextPointer, type Pointer } from '../pointer.ts';
import type { Clock, PointerStore } from '../ports.ts';
import type { Generation } from '../records.ts';
import { LeaseLostError, NothingToRollBackError } from './errors.ts';
import { realSleep } from './lease.ts';
import { silentLog } from './ports.ts';
import { DEFAULT_RETRY_POLICY, Retrier } from './retry.ts';

/** The generation a type starts with, before any build: filled only by the changes applied to it. */
export const INITIAL_GENERATION: Generation = initialPointer('', 0).active;

/** The generations a pointer names: none of them may be deleted. */
export function liveGenerations(pointer: Pointer | undefined): Set<Generation> {
  const live = new Set<Generation>();
  if (!pointer) return live;
  live.add(pointer.active);
  if (pointer.previous !== undefined) live.add(pointer.previous);
  if (pointer.building) live.add(pointer.building.generation);
  return live;
}

/** A retrier for callers outside a build (the ops API's rollback). */
function defaultRetrier(): Retrier {
  return new Retrier({ policy: DEFAULT_RETRY_POLICY, sleep: realSleep, random: Math.random, log: silentLog });
}

/**
 * Opens a new building generation for `buildId`. From now on every applier that sees it writes
 * there too. `beforeOpen` runs with the generation's number before the write (the build notes it
 * there, so the generation can never leak).
 */
export async function openGeneration(
  store: PointerStore,
  type: string,
  buildId: string,
  clock: Clock,
  options: { beforeOpen?: (generation: Generation) => Promise<void>; retrier?: Retrier } = {},
): Promise<{ generation: Generation; pointer: Pointer }> {
  const retrier = options.retrier ?? defaultRetrier();
  return attempts(retrier, 'open a generation', async () => {
    const before = await ensurePointer(store, type, clock());
    // An earlier attempt landed; its answer was lost.
    if (before.building?.buildId === buildId) return { generation: before.building.generation, pointer: before };
    if (before.building) {
      throw new ConflictError(`"${type}" already has a building generation (${before.building.generation}, build ${before.building.buildId})`, { type });
    }
    const generation = before.nextGeneration;
    await options.beforeOpen?.(generation);
    const now = clock();
    const after = nextPointer(before, { building: { generation, buildId, startedAt: now }, nextGeneration: generation + 1 }, now);
    await swap(store, retrier, before, after, (current) => current?.building?.buildId === buildId);
    return { generation, pointer: after };
  });
}

/**
 * Flips `buildId`'s `generation` live: active ← building, previous ← active, building ← none.
 * Valid only while the pointer still names this build's generation; `confirm` (the lease check)
 * runs right before the write. Resolves with the pointer the flip replaced and the one it wrote,
 * also when the flip's answer was lost (read back: the generation is named live and no longer
 * building). Throws `LeaseLostError` when someone else cleared the generation.
 */
export async function flipGeneration(
  store: PointerStore,
  type: string,
  buildId: string,
  generation: Generation,
  clock: Clock,
  confirm: (current: Pointer) => Promise<void>,
  retrier: Retrier = defaultRetrier(),
): Promise<{ before: Pointer; after: Pointer }> {
  let tried: { before: Pointer; after: Pointer } | undefined;
  const wentLive = (current: Pointer | undefined) =>
    current !== undefined && current.building?.buildId !== buildId && (current.active === generation || current.previous === generation);
  try {
    return await attempts(retrier, 'flip', async () => {
      const current = await store.readPointer(type);
      if (tried && wentLive(current)) return tried;
      // Only a build holding the lease clears or replaces another build's generation.
      if (current?.building?.buildId !== buildId) throw new LeaseLostError(type, buildId);
      await confirm(current);
      const now = clock();
      tried = { before: current, after: nextPointer(current, { active: generation, previous: current.active, building: undefined }, now) };
      await swap(store, retrier, current, tried.after, wentLive);
      return tried;
    });
  } catch (error) {
    // Out of attempts with a flip sent: one last look decides whether it landed.
    if (tried && !(error instanceof LeaseLostError) && wentLive(await store.readPointer(type).catch(() => undefined))) return tried;
    throw error;
  }
}

/** Clears the building generation if it is still `buildId`'s (or anyone's, when `buildId` is undefined). Returns the generation it cleared. */
export async function discardBuilding(store: PointerStore, type: string, buildId: string | undefined, clock: Clock, retrier: Retrier = defaultRetrier()): Promise<Generation | undefined> {
  let tried: Generation | undefined;
  return attempts(retrier, 'discard the building generation', async () => {
    const before = await store.readPointer(type);
    const building = before?.building;
    if (!before || !building || (buildId !== undefined && building.buildId !== buildId)) {
      // A clear sent earlier landed when the generation is no longer building.
      return tried !== undefined && building?.generation !== tried ? tried : undefined;
    }
    tried = building.generation;
    await swap(store, retrier, before, nextPointer(before, { building: undefined }, clock()), (current) => current?.building?.generation !== building.generation);
    return building.generation;
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
 * Throws `NothingToRollBackError` when there is no previous generation that once served complete
 * (none, or the initial generation the first build replaced), and `ConflictError` when another
 * flip or rollback got there first.
 */
export async function rollback(store: PointerStore, type: string, clock: Clock, retrier: Retrier = defaultRetrier()): Promise<RollbackResult> {
  const first = await retrier.call('read the pointer', () => store.readPointer(type));
  if (first?.previous === undefined) throw new NothingToRollBackError(type, `"${type}" has no previous generation`);
  if (first.previous === INITIAL_GENERATION) {
    throw new NothingToRollBackError(
      type,
      `the previous generation of "${type}", generation ${INITIAL_GENERATION}, is the initial one: it held only the changes applied before the first build, never a complete index. Rollback becomes possible after the next build`,
    );
  }
  let tried: RollbackResult | undefined;
  const landed = (current: Pointer | undefined, after: Pointer) =>
    current?.revision === after.revision && current.updatedAt === after.updatedAt && current.active === after.active && current.previous === after.previous;
  return attempts(retrier, 'roll back', async () => {
    const before = await store.readPointer(type);
    if (tried && landed(before, tried.pointer)) return tried;
    if (!before || before.active !== first.active || before.previous !== first.previous) {
      throw new ConflictError(`the pointer of "${type}" was flipped or rolled back concurrently; look again before rolling back`, { type });
    }
    const to = before.previous as Generation;
    const after = nextPointer(before, { active: to, previous: before.active }, clock());
    tried = { type, from: before.active, to, pointer: after };
    await swap(store, retrier, before, after, (current) => landed(current, after));
    return tried;
  });
}

/** A swap that lost a race on the revision: worth re-reading the pointer and trying again. */
class RaceLost extends Error {
  constructor(readonly conflict: ConflictError) {
    super(conflict.message);
  }
}

/**
 * Writes `after` over `before`. When the write fails transiently or meets another revision, the
 * pointer is read back, and a write that `landed` counts as done.
 */
async function swap(store: PointerStore, retrier: Retrier, before: Pointer, after: Pointer, landed: (current: Pointer | undefined) => boolean): Promise<void> {
  try {
    await store.swapPointer(before, after);
  } catch (error) {
    if (!(error instanceof ConflictError) && !isRetryable(error)) throw error;
    if (landed(await retrier.call('read the pointer back', () => store.readPointer(after.type)))) return;
    throw error instanceof ConflictError ? new RaceLost(error) : error;
  }
}

/** Runs one pointer operation, again after a transient error or a lost race (re-reading the pointer each time). */
async function attempts<T>(retrier: Retrier, what: string, attempt: () => Promise<T>): Promise<T> {
  try {
    return await retrier.call(what, attempt, { retryIf: (error) => error instanceof RaceLost });
  } catch (error) {
    throw error instanceof RaceLost ? error.conflict : error;
  }
}
