import { retryPending, type JitterOptions, type Sleep } from './backoff.ts';
import { collapse, eventVersion, newestEventVersion, type Group, type IncomingChange } from './collapse.ts';
import type { TypeConfig } from './config/schema.ts';
import { describeError, isRetryable, isWidespread, StoreError } from './errors.ts';
import type { EmbedStep } from './embed/ports.ts';
import type { EmbedStats } from './embed/embed.ts';
import { embedWrites } from './embed/writes.ts';
import type { ChangeEvent } from './events.ts';
import type { PointerCache } from './pointer-cache.ts';
import { writeTargets } from './pointer.ts';
import type { CatchUpLog, Clock, RecordStore, Source } from './ports.ts';
import type { RecordWrite, WriteOutcome } from './records.ts';
import { readEach, settleWrites, type SourceRead } from './settle.ts';
import { toUpsert } from './transform.ts';
import { normalizeVersion } from './version.ts';

export { collapse, type Group, type IncomingChange } from './collapse.ts';

/** A type ready to use: its validated config and its source adapter. */
export interface ResolvedType {
  config: TypeConfig;
  source: Source;
  /** The type's embed step, when its config has `embed` (see core/embed). */
  embed?: EmbedStep | undefined;
}

export interface ApplyDeps {
  types: ReadonlyMap<string, ResolvedType>;
  pointers: PointerCache;
  records: RecordStore;
  catchUp: CatchUpLog;
  clock: Clock;
}

/**
 * How long `applyChanges` may retry the changes that failed transiently, and how it waits
 * between tries (full jitter, see core/backoff.ts).
 */
export interface ApplyOptions extends JitterOptions {
  /**
   * Milliseconds left for retries: a Lambda's remaining time less a safety margin. A retry is
   * made only if its delay plus one more try as long as the longest so far still fits.
   * @default 5 s from the call
   */
  remainingMs?: () => number;
  /** Replaces the timer (tests). */
  sleep?: Sleep;
  /** Told what each call of a type's embed step did (the handler publishes it as metrics). */
  onEmbedded?: (type: string, stats: EmbedStats) => void;
}

/** The backoff between retries inside one call: 50 ms, doubling, capped at 2 s, full jitter. */
export const APPLY_BACKOFF = { baseMs: 50, capMs: 2_000 } as const;

/** The retry budget when the caller names none. */
const DEFAULT_BUDGET_MS = 5_000;

/**
 * What became of one change:
 * - `applied`, `stale`, `unchanged`: the version guard's answer for the active generation;
 * - `superseded`: a newer change of the same resource in the same batch was applied instead;
 * - `rejected`: the change can never be applied as it is (dead-letter it with `reason`);
 * - `failed`: a transient failure, still failing when the time for retries ran out; the message
 *   must be redelivered. `error.widespread` tells a failure of the whole source or store
 *   (credentials, permissions) from one of this change alone.
 */
export type ChangeOutcome =
  | { status: 'applied' | 'stale' | 'unchanged'; type: string; id: string; version: number; op: 'upsert' | 'delete' }
  | { status: 'superseded'; type: string; id: string; by: string }
  | { status: 'rejected'; type: string; id: string; reason: string }
  | { status: 'failed'; type: string; id: string; error: unknown };

/**
 * Applies a batch of changes. Several changes of one resource collapse into the newest; the
 * documents that must be read from the source are fetched in one batched call per type; each
 * resulting write is version-guarded and lands in every generation the pointer names.
 *
 * A change's outcome depends on its own reads and writes only. Changes that failed transiently
 * are tried again, with backoff and full jitter, while `options.remainingMs` allows; a failure
 * that is `widespread` is not retried here (every try would fail alike) but left to redelivery.
 * Never throws for one change's sake: every change gets its outcome.
 */
export async function applyChanges(deps: ApplyDeps, changes: readonly IncomingChange[], options: ApplyOptions = {}): Promise<Map<string, ChangeOutcome>> {
  const started = Date.now();
  const retry: ApplyOptions = { ...APPLY_BACKOFF, ...options, remainingMs: options.remainingMs ?? (() => DEFAULT_BUDGET_MS - (Date.now() - started)) };
  const outcomes = new Map<string, ChangeOutcome>();
  const groupsByType = new Map<string, Group[]>();
  for (const group of collapse(changes, (change) => eventVersion(change) ?? docVersion(deps, change))) {
    if (!deps.types.has(group.type)) {
      for (const member of group.members) {
        outcomes.set(member.key, { status: 'rejected', type: group.type, id: group.id, reason: `unknown resource type "${group.type}"` });
      }
      continue;
    }
    const list = groupsByType.get(group.type) ?? [];
    list.push(group);
    groupsByType.set(group.type, list);
  }
  // The older changes of a resource whose newest change carried a document that was rejected are
  // applied as if they had come alone: a poisoned change must not hide a good one behind it. (A
  // winner that read the source was rejected for the source's current document: every member
  // would read the same one, so they stay superseded by it.)
  const behindRejected: IncomingChange[] = [];
  await Promise.all(
    [...groupsByType].map(async ([typeName, groups]) => {
      const typeOutcomes = await applyTypeWithRetries(deps, deps.types.get(typeName) as ResolvedType, groups, retry);
      for (const group of groups) {
        const outcome = typeOutcomes.get(group.winner.key) as ChangeOutcome;
        outcomes.set(group.winner.key, outcome);
        const others = group.members.filter((member) => member !== group.winner);
        if (outcome.status === 'rejected' && !group.readSource) behindRejected.push(...others);
        else for (const member of others) outcomes.set(member.key, loserOutcome(group, outcome));
      }
    }),
  );
  if (behindRejected.length > 0) {
    for (const [key, outcome] of await applyChanges(deps, behindRejected, { ...options, remainingMs: retry.remainingMs })) outcomes.set(key, outcome);
  }
  return outcomes;
}

function docVersion(deps: ApplyDeps, change: ChangeEvent): number | undefined {
  const type = deps.types.get(change.type);
  if (!type || change.doc === undefined) return undefined;
  try {
    const version = normalizeVersion(type.config.version(change.doc));
    return version.ok ? version.version : undefined;
  } catch {
    return undefined; // the transform step reports it
  }
}

function loserOutcome(group: Group, winnerOutcome: ChangeOutcome): ChangeOutcome {
  // A transient failure of the winner must bring its older siblings back too: nothing is dropped.
  if (winnerOutcome.status === 'failed') return winnerOutcome;
  return { status: 'superseded', type: group.type, id: group.id, by: group.winner.key };
}

/** Tries the groups of one type, then again those that failed transiently, while time allows. */
async function applyTypeWithRetries(deps: ApplyDeps, resolved: ResolvedType, groups: Group[], retry: ApplyOptions): Promise<Map<string, ChangeOutcome>> {
  const outcomes = new Map<string, ChangeOutcome>();
  const wroteActive = new Set<string>();
  await retryPending(
    groups,
    async (pending) => {
      const round = await applyType(deps, resolved, pending, wroteActive, retry);
      for (const [key, outcome] of round) outcomes.set(key, outcome);
      return pending.filter((group) => worthRetryingNow(outcomes.get(group.winner.key)));
    },
    retry,
  );
  return outcomes;
}

function worthRetryingNow(outcome: ChangeOutcome | undefined): boolean {
  return outcome?.status === 'failed' && !isWidespread(outcome.error);
}

/** What became of a change whose own read or write failed with `error`. */
function failureOutcome(type: string, id: string, error: unknown): ChangeOutcome {
  return isRetryable(error) ? { status: 'failed', type, id, error } : { status: 'rejected', type, id, reason: describeError(error) };
}

/** A group and the write that applies it. */
interface Planned {
  group: Group;
  write: RecordWrite | UnversionedDelete;
}

/**
 * One try at the groups of one type: read what must be read, plan each group's write, and
 * write them into every generation the pointer names. Each group's outcome rests on its own
 * read and writes; only the pointer read and the catch-up log are shared by all of them.
 * `wroteActive` remembers the groups an earlier try wrote, so a retry that meets its own write
 * still reports `applied`.
 */
async function applyType(
  deps: ApplyDeps,
  resolved: ResolvedType,
  groups: readonly Group[],
  wroteActive: Set<string>,
  { remainingMs, onEmbedded }: Pick<ApplyOptions, 'remainingMs' | 'onEmbedded'>,
): Promise<Map<string, ChangeOutcome>> {
  const { config } = resolved;
  const outcomes = new Map<string, ChangeOutcome>();
  const fail = (group: Group, error: unknown) => outcomes.set(group.winner.key, failureOutcome(config.name, group.id, error));

  const { reads, before } = await readSourceThenConfirmGone(deps, resolved, groups.filter((group) => group.readSource).map((group) => group.id));
  const planned: Planned[] = [];
  for (const group of groups) {
    try {
      const write = planWrite(config, group, reads.get(group.id));
      planned.push({ group, write });
    } catch (error) {
      fail(group, error);
    }
  }
  // The provider's own retries must not outlast the invocation: past the budget the call is
  // aborted, and the change fails (redelivered) instead of the whole batch timing out.
  const budget = resolved.embed && remainingMs ? AbortSignal.timeout(timerMs(remainingMs())) : undefined;
  const embedded = await withVectors(resolved.embed, planned, fail, budget, (stats) => onEmbedded?.(config.name, stats));
  if (embedded.length === 0) return outcomes;

  let targets: number[];
  let building: number | undefined;
  let pointerLoadedAt: number;
  try {
    const { value: pointer, loadedAt } = await deps.pointers.entry(config.name);
    targets = writeTargets(pointer);
    building = pointer.building?.generation;
    pointerLoadedAt = loadedAt;
  } catch (error) {
    for (const { group } of embedded) fail(group, error);
    return outcomes;
  }
  const ready = resolveDeleteVersions(config.name, targets, before, embedded, fail);
  if (ready.length === 0) return outcomes;
  // The active generation's writes go out with the catch-up log; the building generation's only
  // once the log landed. That order is what makes the log sufficient: a building write the load
  // may still overwrite with an older document was logged first, so the replay (which reads the
  // log after the load) re-reads it; a log write that lands after the replay read the log comes
  // with a building write that lands after the load. Concurrent, a slow (retried) log write could
  // land after the replay while its building write landed during the load and was overwritten:
  // the fault suite lost changes that way. A failed log fails every change of the batch (skipping
  // its building writes), which is delivered again and logged again.
  const ids = ready.map(({ write }) => write.id);
  const writes = ready.map(({ write }) => write);
  const logged: Promise<{ error: unknown } | undefined> =
    building === undefined
      ? Promise.resolve(undefined)
      : deps.catchUp
          .record(config.name, building, ids)
          .finally(() => withdrawLateLog(deps, config.name, building as number, pointerLoadedAt, ids))
          .then(() => undefined, (error: unknown) => ({ error }));
  const [log, ...results] = await Promise.all([
    logged,
    ...targets.map((generation) =>
      generation === building
        ? logged.then((failed): Promise<WriteOutcome[]> => (failed ? Promise.resolve(writes.map(() => failed)) : settleWrites(deps.records, config.name, generation, writes)))
        : settleWrites(deps.records, config.name, generation, writes),
    ),
  ]);
  ready.forEach(({ group, write }, index) => {
    const perTarget = results.map((outcomesOfTarget) => outcomesOfTarget[index] as WriteOutcome);
    // Remembered even when the change fails: its retry then meets its own write and still says `applied`.
    if (perTarget[0] === 'written') wroteActive.add(group.winner.key);
    const failure = log ?? perTarget.find((outcome): outcome is { error: unknown } => typeof outcome === 'object');
    if (failure) return void fail(group, failure.error);
    const active = perTarget[0] as 'written' | 'stale' | 'unchanged';
    const status = active === 'written' || wroteActive.has(group.winner.key) ? 'applied' : active;
    outcomes.set(group.winner.key, { status, type: config.name, id: group.id, version: write.version, op: write.kind });
  });
  return outcomes;
}

/**
 * A catch-up log write that outlived the pointer it was made with (slow, retried, its answer lost)
 * may have landed after the build flipped or discarded `building` and the clean-up cleared its
 * log (one pointer-cache lifetime plus a margin after the flip): nothing would clear it again
 * until the generation itself is retired. So once such a write settles, the pointer is read
 * afresh, and if `building` is no longer building, the ids are taken out of its log again (no
 * replay reads it any more). Best effort: the log's own expiry is the backstop.
 */
async function withdrawLateLog(deps: ApplyDeps, type: string, building: number, loadedAt: number, ids: string[]): Promise<void> {
  if (deps.clock() - loadedAt < deps.pointers.maxAgeMs) return;
  try {
    deps.pointers.invalidate(type);
    const pointer = await deps.pointers.get(type);
    if (pointer.building?.generation !== building) await deps.catchUp.forget(type, building, ids);
  } catch {
    // Left to the log's expiry.
  }
}

/**
 * The write that applies a group, from the winner's own document or what the source said.
 * Throws the read's failure, or the transform's `TransformError`.
 */
function planWrite(config: TypeConfig, group: Group, read: SourceRead | undefined): RecordWrite | UnversionedDelete {
  const { change } = group.winner;
  if (read?.status === 'failed') throw read.error;
  const doc = group.readSource ? (read?.status === 'found' ? read.doc : undefined) : change.doc;
  const version = eventVersion(change);
  if (doc !== undefined) return toUpsert(config, group.id, doc);
  // A versioned delete the source was not asked about keeps its own version: dating it at a
  // newer stored version would let a late redelivery delete a resource re-created since.
  if (!group.readSource && version !== undefined) return { kind: 'delete', id: group.id, version };
  // Gone at the source: tombstone at the newest version any change of the group named (a
  // collapsed versioned delete must keep its version), or at the stored one if that is newer.
  return { kind: 'delete', id: group.id, version: undefined, atLeast: newestEventVersion(group) };
}

/** A timer's delay for `ms` left: a whole number of milliseconds from 1 to the largest a timer takes (AbortSignal.timeout refuses fractions). */
function timerMs(ms: number): number {
  return Number.isFinite(ms) ? Math.min(2_147_483_647, Math.max(1, Math.floor(ms))) : 2_147_483_647;
}

/**
 * The planned writes with their vectors, in one embed call for the type's batch: a group whose
 * embedding failed is failed (`fail`) and left out, so its record is never written without one.
 */
async function withVectors(
  step: EmbedStep | undefined,
  planned: readonly Planned[],
  fail: (group: Group, error: unknown) => void,
  signal: AbortSignal | undefined,
  onStats: (stats: EmbedStats) => void,
): Promise<Planned[]> {
  const { ready, stats } = await embedWrites(step, planned.map(({ write }) => write), signal);
  if (stats) onStats(stats);
  return planned.flatMap((plan, index) => {
    const outcome = ready[index] as (typeof ready)[number];
    if ('error' in outcome) {
      fail(plan.group, outcome.error);
      return [];
    }
    return [{ group: plan.group, write: outcome.write }];
  });
}

/** A delete whose version is only known once the index was read. */
interface UnversionedDelete {
  kind: 'delete';
  id: string;
  version: undefined;
  /** The newest version the changes of the resource named, if any. */
  atLeast: number | undefined;
}

/** What the index held, per generation, for the ids the source said were gone, before it was asked again; or why it could not be read. */
type StoredBefore = { byGeneration: ReadonlyMap<number, StoredVersions> } | { error: unknown };

/** The stored versions of some ids in one generation. */
type StoredVersions = ReadonlyMap<string, { version: number }>;

/**
 * The source's answers for `ids`. An id the source says is gone is read again, after the index
 * (`before`): its tombstone is dated from that read of the index, which must come before the
 * source's answer (see resolveDeleteVersions). The found ones, the usual case, cost one batched
 * source read and no index read; a gone one costs an index read and a second source read, which
 * may now find it (re-created).
 */
async function readSourceThenConfirmGone(deps: ApplyDeps, resolved: ResolvedType, ids: readonly string[]): Promise<{ reads: Map<string, SourceRead>; before: StoredBefore }> {
  const reads = await readEach(resolved.source, ids);
  const gone = ids.filter((id) => reads.get(id)?.status === 'missing');
  const before = await readStoredBefore(deps, resolved.config.name, gone);
  if (gone.length === 0 || 'error' in before) return { reads, before };
  for (const [id, read] of await readEach(resolved.source, gone)) reads.set(id, read);
  return { reads, before };
}

/** Reads the ids' records in every generation the (cached) pointer names, before their (second) source read. */
async function readStoredBefore(deps: ApplyDeps, type: string, ids: readonly string[]): Promise<StoredBefore> {
  if (ids.length === 0) return { byGeneration: new Map() };
  try {
    const generations = writeTargets((await deps.pointers.entry(type)).value);
    const found = await Promise.all(generations.map((generation) => deps.records.getRecords(type, generation, ids)));
    return { byGeneration: new Map(generations.map((generation, index) => [generation, found[index] as StoredVersions])) };
  } catch (error) {
    return { error };
  }
}

/**
 * A delete the source confirmed without a version is tombstoned at the newest version known: the
 * events' own, or the newest one any target generation held *before the source said it was gone*
 * (readSourceThenConfirmGone reads the index, then the source again). At an equal version a delete
 * wins, while a newer upsert racing it still wins over the tombstone.
 *
 * Before, not after: a resource re-created at the source after its read answered "gone" is
 * indexed by a live applier at its new version; a tombstone dated from a read of the index after
 * that write would equal it and delete the resource for good (the checker's repair would be
 * refused at the equal version too). Dated from before, the tombstone is older than any such
 * write. What it may lose to instead is an older document whose write landed between the two
 * reads: the resource then stays live though gone, which its check (or, behind a backlog longer
 * than the settle delay, the audit) finds and repairs, as a tombstone at the stored version wins.
 * The rebuild's replay reads in the same order (core/rebuild/replay.ts).
 *
 * Every target counts, not only the active one: right after a flip, an applier still caching the
 * old pointer names the old generation active, while appliers with the new pointer have written
 * newer versions to the new generation only. A tombstone dated from the old generation would be
 * stale in the new one and leave the deleted resource live there. A target the index read did not
 * cover (a build opened between it and the pointer read for the writes) is never read now, after
 * the source, as that is the race above in the new generation: the deletes fail (retryable), and
 * their retry reads in order with the pointer the second read brought.
 *
 * Returns the plans with their writes resolved; when the index could not be read, the deletes that
 * needed it fail (`fail`) and the other plans go on.
 */
function resolveDeleteVersions(
  type: string,
  generations: readonly number[],
  before: StoredBefore,
  planned: readonly Planned[],
  fail: (group: Group, error: unknown) => void,
): Array<{ group: Group; write: RecordWrite }> {
  const resolved = planned.filter((plan): plan is { group: Group; write: RecordWrite } => plan.write.version !== undefined);
  if (resolved.length === planned.length) return resolved;
  let stored: StoredVersions[];
  try {
    stored = storedIn(type, generations, before);
  } catch (error) {
    planned.filter(({ write }) => write.version === undefined).forEach(({ group }) => fail(group, error));
    return resolved;
  }
  const newestStored = (id: string) => Math.max(0, ...stored.map((found) => found.get(id)?.version ?? 0));
  return planned.map(({ group, write }) => ({
    group,
    write: write.version === undefined ? { kind: 'delete', id: write.id, version: Math.max(newestStored(write.id), write.atLeast ?? 0) } : write,
  }));
}

/** What the index read found in each of `generations`. Throws its failure, or a retryable error for a generation it did not read. */
function storedIn(type: string, generations: readonly number[], before: StoredBefore): StoredVersions[] {
  if ('error' in before) throw before.error;
  return generations.map((generation) => {
    const found = before.byGeneration.get(generation);
    // Retryable and of no one item's making: the retry reads in order (a ConflictError would reject the change).
    if (!found) throw new StoreError(`the pointer of ${type} changed while its source was read (generation ${generation} is new): read again in order`, { retryable: true });
    return found;
  });
}
