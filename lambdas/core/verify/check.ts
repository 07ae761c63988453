import type { ResolvedType } from '../apply.ts';
import type { TypeConfig } from '../config/schema.ts';
import { UnknownTypeError } from '../errors.ts';
import type { PointerCache } from '../pointer-cache.ts';
import type { Alert, CatchUpLog, Clock, Notifier, QuarantineStore, RecordStore } from '../ports.ts';
import { compare, expectedFrom, repair, type Difference, type RepairResult } from './compare.ts';
import type { CheckCounters, CheckScheduler, DifferenceCounters } from './ports.ts';
import { recheckDelayMs } from './schedule.ts';

/** What the checker runs on. A `Runtime` of the composition root plus the checker's own ports. */
export interface VerifyDeps {
  types: ReadonlyMap<string, ResolvedType>;
  pointers: PointerCache;
  records: RecordStore;
  catchUp: CatchUpLog;
  quarantine: QuarantineStore;
  counters: DifferenceCounters;
  scheduler: CheckScheduler;
  notifier: Notifier;
  clock: Clock;
}

/**
 * Why a check runs: a change of the resource (after its settle delay), or re-checks the checker
 * scheduled itself, identified by their due times (several when one batch holds several).
 */
export type CheckTrigger = { kind: 'change' } | { kind: 'recheck'; dueTimes: readonly number[] };

/**
 * The one trigger of several messages of one resource checked together: a change wins (it
 * always checks); re-checks pool their due times.
 */
export function mergeTriggers(triggers: readonly CheckTrigger[]): CheckTrigger {
  if (triggers.length === 0 || triggers.some((trigger) => trigger.kind === 'change')) return { kind: 'change' };
  return { kind: 'recheck', dueTimes: triggers.flatMap((trigger) => (trigger.kind === 'recheck' ? trigger.dueTimes : [])) };
}

/**
 * What a check found and did:
 * - `status`: `equal`, `different`, or `superseded` (a re-check of a chain a newer check replaced: nothing done);
 * - `repair`: the repair's result, when different;
 * - `quarantine`: `none`, `held` (stays quarantined), `added` (quarantined by this check, alert sent), `released`;
 * - `recheckAt`: when the scheduled re-check is due, if one was scheduled.
 */
export interface CheckOutcome {
  type: string;
  id: string;
  status: 'equal' | 'different' | 'superseded';
  difference?: Difference;
  repair?: RepairResult;
  counters?: CheckCounters;
  quarantine: 'none' | 'held' | 'added' | 'released';
  recheckAt?: number;
}

/**
 * Checks one resource against its source: expected = transform(source document now), compared by
 * content hash with the active generation's record.
 *
 * - Equal: the difference streak ends; a quarantined resource counts a clean check and is released
 *   after the type's `releaseAfterCleanChecks` (re-checked until then).
 * - Different: the expected record is written (version-guarded), the difference is counted and a
 *   re-check scheduled; at the type's `quarantineThreshold` the resource is quarantined and one
 *   alert is published.
 *
 * Throws `UnknownTypeError` / `TransformError` (never worth a retry) and transient store or
 * source errors (retry the message).
 */
export async function checkResource(deps: VerifyDeps, typeName: string, id: string, trigger: CheckTrigger = { kind: 'change' }): Promise<CheckOutcome> {
  const resolved = deps.types.get(typeName);
  if (!resolved) throw new UnknownTypeError(typeName);
  const { config, source } = resolved;
  const pointer = await deps.pointers.get(typeName);
  // The index is read before the source, never beside it: an extra record is tombstoned at the
  // version read, and a resource re-created (and indexed) just after the source answered "gone"
  // must be newer than that tombstone, not equal to it (at an equal version a delete wins).
  const [[storedById, doc], counters, entry] = await Promise.all([
    deps.records.getRecords(typeName, pointer.active, [id]).then(async (stored) => [stored, await source.get(id)] as const),
    deps.counters.get(typeName, id),
    deps.quarantine.get(typeName, id),
  ]);
  if (trigger.kind === 'recheck' && (counters?.nextCheckAt === undefined || !trigger.dueTimes.includes(counters.nextCheckAt))) {
    return { type: typeName, id, status: 'superseded', quarantine: entry ? 'held' : 'none' };
  }
  const stored = storedById.get(id);
  const expected = expectedFrom(config, id, doc);
  const difference = compare(expected, stored);
  const state: ResourceState = { config, id, counters, quarantined: entry !== undefined, now: deps.clock() };
  if (!difference) return onClean(deps, state);
  const repaired = await repair(deps, typeName, pointer, id, expected, stored, resolved.embed);
  return { ...(await onDifference(deps, state, difference)), repair: repaired };
}

/** What a check knows of the resource before it acts. */
interface ResourceState {
  config: TypeConfig;
  id: string;
  counters: CheckCounters | undefined;
  quarantined: boolean;
  now: number;
}

/** Equal: the difference streak ends; a quarantined resource counts a clean check, released at the type's count. */
async function onClean(deps: VerifyDeps, { config, id, counters, quarantined, now }: ResourceState): Promise<CheckOutcome> {
  const base = { type: config.name, id, status: 'equal' as const };
  if (!quarantined) {
    if (counters) await deps.counters.clear(config.name, id);
    return { ...base, quarantine: 'none' };
  }
  const recheckAt = now + recheckDelayMs(config, { quarantined: true, differences: 0 });
  const next = await deps.counters.recordClean(config.name, id, recheckAt);
  await deps.quarantine.recordCleanCheck(config.name, id);
  if (next.cleanChecks >= config.releaseAfterCleanChecks) {
    await deps.quarantine.release(config.name, id);
    await deps.counters.clear(config.name, id);
    return { ...base, counters: next, quarantine: 'released' };
  }
  await deps.scheduler.schedule({ type: config.name, id, checkAfter: recheckAt, trigger: 'recheck' });
  return { ...base, counters: next, quarantine: 'held', recheckAt };
}

/** Different (already repaired): count it, quarantine at the threshold with one alert, schedule the re-check. */
async function onDifference(deps: VerifyDeps, state: ResourceState, difference: Difference): Promise<CheckOutcome> {
  const { config, id, counters, quarantined, now } = state;
  const differencesSoFar = (counters?.differences ?? 0) + 1;
  const reachesThreshold = !quarantined && differencesSoFar >= config.quarantineThreshold;
  const recheckAt = now + recheckDelayMs(config, { quarantined: quarantined || reachesThreshold, differences: differencesSoFar });
  const next = await deps.counters.recordDifference(config.name, id, { at: now, summary: difference.summary }, recheckAt);
  let quarantine: CheckOutcome['quarantine'] = quarantined ? 'held' : 'none';
  if (!quarantined && next.differences >= config.quarantineThreshold) {
    const added = await deps.quarantine.add({ type: config.name, id, since: now, differences: next.differences, lastDifference: difference.summary, cleanChecks: 0 });
    quarantine = added ? 'added' : 'held';
    if (added) await deps.notifier.alert(quarantineAlert(config, id, next, now));
  }
  await deps.scheduler.schedule({ type: config.name, id, checkAfter: recheckAt, trigger: 'recheck' });
  return { type: config.name, id, status: 'different', difference, counters: next, quarantine, recheckAt };
}

/**
 * Releases a quarantined resource on an operator's word and forgets its difference streak, so it
 * starts afresh (a later difference counts from one). `true` if it was quarantined.
 *
 * Forgetting the streak drops the pending re-check (its due time no longer matches), so a fresh
 * check is scheduled first, one settle delay from now: a resource that still differs is counted
 * again, and quarantined again, instead of being served wrong until the audit. It is scheduled
 * before the release, so a failure leaves the resource quarantined and the operator can retry.
 */
export async function releaseResource(
  deps: Pick<VerifyDeps, 'quarantine' | 'counters' | 'clock'> & { scheduler?: CheckScheduler; types: ReadonlyMap<string, { config: { settleDelaySeconds: number } }> },
  type: string,
  id: string,
): Promise<boolean> {
  const settleMs = (deps.types.get(type)?.config.settleDelaySeconds ?? 0) * 1000;
  await deps.scheduler?.schedule({ type, id, checkAfter: deps.clock() + settleMs, trigger: 'change' });
  const released = await deps.quarantine.release(type, id);
  await deps.counters.clear(type, id);
  return released;
}

/** The alert of a resource that was just quarantined: what, where, the differences seen, what to do. */
export function quarantineAlert(
  config: { name: string; quarantineThreshold: number; releaseAfterCleanChecks: number },
  id: string,
  counters: CheckCounters,
  now: number,
): Alert {
  return {
    kind: 'resource-quarantined',
    severity: 'warning',
    type: config.name,
    id,
    summary: `${config.name}/${id} quarantined: the index differed from the source on ${counters.differences} checks in a row`,
    action:
      `Readers now serve ${config.name}/${id} from the source. Read the differences below: a transform that is not ` +
      'deterministic (random values, clocks, counters), or a writer other than freshindex changing the index, are the usual causes. ' +
      `Once fixed, the resource is released by itself after ${config.releaseAfterCleanChecks} clean checks in a row, ` +
      'or release it now through the ops API or the CLI.',
    details: {
      differences: counters.differences,
      seen: counters.recent.map((seen) => ({ at: new Date(seen.at).toISOString(), difference: seen.summary })),
      quarantineThreshold: config.quarantineThreshold,
      releaseAfterCleanChecks: config.releaseAfterCleanChecks,
    },
    at: now,
  };
}
