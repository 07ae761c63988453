/**
 * A rebuild under transient store faults (issue 8, points 5 and 6), on the in-memory ports: calls
 * fail before they land or after (their answer lost), pages of scans fail, and the build must
 * still flip, say truthfully what happened, and leave no generation behind.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../lambdas/core/errors.ts';
import type { Pointer } from '../../../lambdas/core/pointer.ts';
import { rebuildType, type RebuildDeps } from '../../../lambdas/core/rebuild/index.ts';
import { seededRandom } from '../../support/random.ts';
import { flaky, flakyStats } from './support/flaky.ts';
import type { MemoryIndex } from '../../support/memory/index.ts';
import { createWorld, doc, seed, TYPE, upsertChange, type World } from './support/world.ts';

const ids = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);

/** The generations of the type that hold at least one record. */
function generationsWithRecords(index: MemoryIndex): number[] {
  return [...new Set([...index.records.values()].filter((record) => record.type === TYPE).map((record) => record.generation))].sort((a, b) => a - b);
}

/** The world's ports behind `rate` transient faults (seeded). */
function faulty(world: World, seed: number, rate: number): { deps: RebuildDeps; stats: ReturnType<typeof flakyStats> } {
  const stats = flakyStats();
  const plan = { rate, random: seededRandom(seed) };
  const index = flaky(world.index, plan, stats);
  const control = flaky(world.control, plan, stats);
  return {
    stats,
    deps: { ...world.deps, pointers: index, records: index, catchUp: flaky(world.catchUp, plan, stats), leases: control, builds: control, retirements: control },
  };
}

/** A swapPointer whose write lands but whose answer is lost, the first time `when` holds. */
function loseAnswerOnce(index: MemoryIndex, when: (expected: Pointer | undefined, next: Pointer) => boolean): { lost: () => boolean } {
  const swap = index.swapPointer.bind(index);
  let lost = false;
  index.swapPointer = async (expected, next) => {
    await swap(expected, next);
    if (!lost && when(expected, next)) {
      lost = true;
      throw new StoreError('DynamoDB PutItem(pointer) failed: ServiceUnavailable: injected after the write landed');
    }
  };
  return { lost: () => lost };
}

const isFlip = (expected: Pointer | undefined, next: Pointer) => expected?.building !== undefined && next.building === undefined && next.active === expected.building.generation;

describe('a rebuild under transient store faults', () => {
  it('flips, reports succeeded and leaves only the active and previous generations when 20% of store calls fail', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(150).map((id) => doc(id, 1)));
    const reports = [];
    const injected = [];

    // Act: three builds in a row, changes arriving during each.
    for (const [run, seedOfRun] of [11, 12, 13].entries()) {
      for (const id of ids(150)) world.source.docs.set(id, doc(id, run + 2));
      const { deps, stats } = faulty(world, seedOfRun, 0.2);
      const apply = world.applier();
      deps.onPhase = (_type, phase) => {
        if (phase === 'loading') void apply([upsertChange(doc('v7', 100 + run))]);
      };
      world.source.docs.set('v7', doc('v7', 100 + run));
      const { report } = await rebuildType(deps, world.type, world.options);
      reports.push(report);
      injected.push(stats);
    }

    // Assess
    expect(injected.every((stats) => stats.failedBefore > 0 && stats.lostResponses > 0 && stats.failedPages > 0)).toBe(true);
    expect(reports.map((report) => report.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const last = reports[2];
    const pointer = await world.index.readPointer(TYPE);
    expect(pointer).toMatchObject({ active: last?.generation, previous: reports[1]?.generation });
    expect(last).toMatchObject({ activeBefore: reports[1]?.generation, activeAfter: last?.generation, counts: { scanned: 150, loaded: 150, generation: 150 } });
    for (const id of ids(150)) expect(await world.activeRecord(id)).toMatchObject({ version: id === 'v7' ? 102 : 4, deleted: false });
    expect(generationsWithRecords(world.index)).toEqual([reports[1]?.generation, last?.generation]);
    expect(world.notifier.alerts).toEqual([]);
  });

  it('reports succeeded, alerts nobody and retires what it replaced when the answer of its flip is lost', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(40).map((id) => doc(id, 1)));
    const first = await rebuildType(world.deps, world.type, world.options);
    const lossy = loseAnswerOnce(world.index, isFlip);

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(lossy.lost()).toBe(true);
    expect(report).toMatchObject({ outcome: 'succeeded', reasons: [], activeBefore: first.report.generation, activeAfter: report.generation, retired: [1] });
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: report.generation, previous: first.report.generation });
    expect(world.notifier.alerts).toEqual([]);
    expect(await world.control.latest(TYPE)).toMatchObject({ status: 'succeeded' });
    expect(generationsWithRecords(world.index)).toEqual([first.report.generation, report.generation]);
  });

  it('leaves no generation behind after two more clean builds when a flip answer was lost', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(40).map((id) => doc(id, 1)));
    await rebuildType(world.deps, world.type, world.options);
    loseAnswerOnce(world.index, isFlip);
    await rebuildType(world.deps, world.type, world.options);

    // Act
    await rebuildType(world.deps, world.type, world.options);
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(generationsWithRecords(world.index)).toEqual([(report.generation as number) - 1, report.generation]);
  });

  it('goes on with its own generation when the answer of the write opening it is lost', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(20).map((id) => doc(id, 1)));
    loseAnswerOnce(world.index, (expected, next) => expected?.building === undefined && next.building !== undefined);

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report).toMatchObject({ outcome: 'succeeded', generation: 2 });
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: 2, previous: 1, nextGeneration: 3 });
  });
});
