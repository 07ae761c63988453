/**
 * The randomized interleaving scenario: thousands of upserts and deletes with growing versions
 * are applied (the way the apply handler does) while a rebuild of the same type runs, readers
 * read all along, and at the end the active generation must equal transform(source) exactly.
 * Shared by the in-memory unit test and the DynamoDB integration test.
 */
import type { IncomingChange } from '../../../../lambdas/core/apply.ts';
import type { TypeConfig } from '../../../../lambdas/core/config/index.ts';
import { contentHash } from '../../../../lambdas/core/hash.ts';
import { PointerCache } from '../../../../lambdas/core/pointer-cache.ts';
import type { PointerStore, RecordStore, SourceDoc } from '../../../../lambdas/core/ports.ts';
import { rebuildType, type BuildPhase, type BuildReport, type RebuildDeps, type RebuildOptions } from '../../../../lambdas/core/rebuild/index.ts';
import { toUpsert } from '../../../../lambdas/core/transform.ts';
import type { MemorySource } from '../../../support/memory/index.ts';
import { deleteChange, doc, upsertChange } from './world.ts';
import { seededRandom } from '../../../support/random.ts';

export interface InterleavingWorld {
  type: TypeConfig;
  source: MemorySource;
  index: PointerStore & RecordStore;
  deps: RebuildDeps;
  options: RebuildOptions;
  applier(): (changes: IncomingChange[]) => Promise<unknown>;
}

export interface InterleavingPlan {
  seed: number;
  /** Documents in the source (and the active generation) before the build. */
  initial: number;
  /** Ids the changes pick from (more than `initial`: some are created during the build). */
  idSpace: number;
  /** Of the initial documents, how many are deleted before the build (their late upserts are redelivered later). */
  deletedBefore: number;
  /** Concurrent appliers. */
  lanes: number;
  /** Changes applied at least, in all, while the build runs. */
  minChanges: number;
  /** Changes each lane still applies after the build returned (stale pointer caches around the flip). */
  changesAfter: number;
}

export interface InterleavingResult {
  report: BuildReport;
  changes: number;
  changesByPhase: Partial<Record<BuildPhase | 'after', number>>;
  reads: number;
  /** Every broken promise: lost changes, resurrections, torn or foreign reads. Empty when all is well. */
  violations: string[];
}

/** The shared seeded PRNG, under the name this suite's callers use. */
export const prng = seededRandom;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runInterleaving(world: InterleavingWorld, plan: InterleavingPlan): Promise<InterleavingResult> {
  const random = prng(plan.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const ids = Array.from({ length: plan.idSpace }, (_, i) => `r${i}`);
  const typeName = world.type.name;
  const violations: string[] = [];
  const hashes = new Map<string, Set<string>>();
  const sent = new Map<string, IncomingChange[]>();
  let version = 0;
  const remember = (id: string, document: SourceDoc) => {
    const set = hashes.get(id) ?? new Set<string>();
    set.add(toUpsert(world.type, id, document).hash);
    hashes.set(id, set);
  };

  const initial = ids.slice(0, plan.initial).map((id) => doc(id, ++version));
  for (const document of initial) {
    world.source.docs.set(String(document['id']), document);
    remember(String(document['id']), document);
  }
  await world.applier()(initial.map(upsertChange));
  // Deletes before the build leave tombstones in the active generation only.
  const deleted = initial.slice(0, plan.deletedBefore).map((document) => String(document['id']));
  for (const id of deleted) world.source.docs.delete(id);
  await world.applier()(deleted.map((id) => deleteChange(id, ++version)));
  for (const document of initial.slice(0, plan.deletedBefore)) sent.set(String(document['id']), [upsertChange(document)]);

  let phase: BuildPhase | 'after' = 'starting';
  const changesByPhase: InterleavingResult['changesByPhase'] = {};
  const busy = new Set<string>();
  let changes = 0;
  let buildDone = false;

  const changeOne = async (apply: (changes: IncomingChange[]) => Promise<unknown>) => {
    const id = pick(ids.filter((candidate) => !busy.has(candidate)));
    busy.add(id);
    try {
      const roll = random();
      const exists = world.source.docs.has(id);
      let change: IncomingChange;
      if (roll < 0.12 && (sent.get(id)?.length ?? 0) > 0) {
        change = pick(sent.get(id) as IncomingChange[]); // a redelivery, possibly long out of date
      } else if (roll < 0.4 && exists) {
        world.source.docs.delete(id);
        change = random() < 0.8 ? deleteChange(id, ++version) : { key: `d${++version}`, change: { type: typeName, id, op: 'delete' } };
      } else {
        const document = doc(id, ++version);
        world.source.docs.set(id, document);
        remember(id, document);
        change = random() < 0.7 ? upsertChange(document) : { key: `u${version}`, change: { type: typeName, id, op: 'upsert' } };
      }
      sent.set(id, [...(sent.get(id) ?? []), change]);
      await apply([change]);
      changes++;
      changesByPhase[phase] = (changesByPhase[phase] ?? 0) + 1;
    } finally {
      busy.delete(id);
    }
  };

  const lane = async () => {
    const apply = world.applier();
    while (!buildDone) {
      await changeOne(apply);
      if (random() < 0.05) await pause(1);
    }
    for (let i = 0; i < plan.changesAfter; i++) await changeOne(apply);
  };

  let reads = 0;
  const reader = async () => {
    const cache = new PointerCache(world.index, world.options.pointerCacheMs, Date.now);
    const building = new Set<number>();
    while (!buildDone) {
      const pointer = await cache.get(typeName);
      if (pointer.building) building.add(pointer.building.generation);
      const id = pick(ids);
      const record = (await world.index.getRecords(typeName, pointer.active, [id])).get(id);
      reads++;
      if (!record) continue;
      if (record.generation !== pointer.active || building.has(record.generation) && record.generation !== pointer.active) {
        violations.push(`read of ${id} returned generation ${record.generation} while ${pointer.active} was active`);
      }
      if (!record.deleted && (contentHash(record.record) !== record.hash || !hashes.get(id)?.has(record.hash))) {
        violations.push(`read of ${id} returned a record that no source document of it produced (generation ${record.generation})`);
      }
      await pause(0);
    }
  };

  const deps: RebuildDeps = {
    ...world.deps,
    onPhase: (type, name, buildId) => {
      phase = name;
      world.deps.onPhase?.(type, name, buildId);
    },
  };
  const build = rebuildType(deps, world.type, world.options).finally(() => {
    buildDone = true;
    phase = 'after';
  });
  // Serve the first pages at once (right after the generation opened: the moment a missing wait
  // would lose changes), then hold the scan until most changes went through, mid-load.
  const original = world.source.beforePage;
  let pages = 0;
  world.source.beforePage = async () => {
    await original();
    if (++pages <= 4) return;
    while (changes < plan.minChanges) await pause(1);
  };
  const workers = [...Array.from({ length: plan.lanes }, lane), reader(), reader()];
  const [{ report }] = await Promise.all([build, ...workers]);
  world.source.beforePage = original;
  await pause(world.options.pointerCacheMs * 2);

  if (report.outcome !== 'succeeded') violations.push(`build ${report.outcome}: ${report.reasons.join('; ')}`);
  const pointer = await world.index.readPointer(typeName);
  const active = pointer?.active ?? 0;
  const stored = await world.index.getRecords(typeName, active, ids);
  for (const id of ids) {
    const source = world.source.docs.get(id);
    const record = stored.get(id);
    if (source) {
      const expected = toUpsert(world.type, id, source);
      if (!record || record.deleted) violations.push(`lost: ${id} v${expected.version} is in the source but ${record ? 'tombstoned' : 'missing'} in generation ${active}`);
      else if (record.version !== expected.version || record.hash !== expected.hash) {
        violations.push(`stale: ${id} is v${record.version} in generation ${active}, the source has v${expected.version}`);
      }
    } else if (record && !record.deleted) {
      violations.push(`resurrected: ${id} v${record.version} is live in generation ${active} but deleted in the source`);
    }
  }
  return { report, changes, changesByPhase, reads, violations };
}
