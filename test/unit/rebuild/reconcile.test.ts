import { describe, expect, it } from 'vitest';
import { rebuildType } from '../../../lambdas/core/rebuild/index.ts';
import { createWorld, deleteChange, doc, seed, upsertChange, videoType, type World } from './support/world.ts';

const ids = (count: number) => Array.from({ length: count }, (_, i) => `d${String(i).padStart(4, '0')}`);

/** The gate's defaults: 1% count tolerance, a sample of 100. */
const defaultGateType = () => videoType({ rebuild: { gate: { countTolerance: 0.01, maxErrorRate: 0.001, sampleSize: 100 } } });

/**
 * While the scan runs, deletes (in the source, then through the apply path) the smallest id left
 * after each of pages `from`..`from + count − 1`: by then every segment has served its first page,
 * so each delete lands behind a cursor and shifts that segment's later offset pages by one.
 */
function deleteBehindTheScan(world: World, count: number, from = 4): string[] {
  const deleted: string[] = [];
  const apply = world.applier();
  const original = world.source.beforePage;
  let pages = 0;
  world.source.beforePage = async () => {
    await original();
    pages++;
    if (pages < from || deleted.length >= count) return;
    const id = [...world.source.docs.keys()].sort()[0] as string;
    world.source.docs.delete(id);
    deleted.push(id);
    await apply([deleteChange(id, 2)]);
  };
  return deleted;
}

async function liveIn(world: World, wanted: readonly string[]): Promise<Set<string>> {
  const pointer = await world.index.readPointer(world.type.name);
  const records = await world.index.getRecords(world.type.name, pointer?.active ?? 0, wanted);
  return new Set([...records.values()].filter((record) => !record.deleted).map((record) => record.id));
}

describe('rebuild of a source whose scan cursors shift under deletes', () => {
  it('keeps every document that never changed when documents are deleted while the scan pages by offset', async () => {
    // Prepare
    const world = createWorld(defaultGateType());
    world.source.paging = 'offset';
    const all = ids(3_000);
    await seed(world, all.map((id) => doc(id, 1)));
    const deleted = deleteBehindTheScan(world, 15);

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    const unchanged = all.filter((id) => !deleted.includes(id));
    const live = await liveIn(world, all);
    expect(deleted).toHaveLength(15);
    expect(report.outcome).toBe('succeeded');
    expect(unchanged.filter((id) => !live.has(id))).toEqual([]);
    expect(deleted.filter((id) => live.has(id))).toEqual([]);
  });

  it('reports what the scan missed and has the gate compare every restored resource with the source', async () => {
    // Prepare
    const world = createWorld(defaultGateType());
    world.source.paging = 'offset';
    await seed(world, ids(3_000).map((id) => doc(id, 1)));
    deleteBehindTheScan(world, 15);

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.reconciliation).toMatchObject({ checked: 2_985, missing: 15, restored: 15, gone: 0 });
    expect(report.counts.restored).toBe(15);
    expect(report.gate?.restored).toMatchObject({ passed: true, size: 15, equal: 15, mismatches: [] });
  });

  it('refuses to flip when a resource the scan missed is still missing after the reconciliation', async () => {
    // Prepare
    const world = createWorld(defaultGateType());
    world.source.paging = 'offset';
    await seed(world, ids(3_000).map((id) => doc(id, 1)));
    deleteBehindTheScan(world, 15);
    let phase = '';
    world.deps.onPhase = (_type, name) => {
      phase = name;
    };
    const write = world.index.write.bind(world.index);
    // A store that acknowledges the reconciliation's writes without keeping them.
    world.index.write = async (type, generation, writes) => (phase === 'reconciling' ? writes.map(() => 'written' as const) : write(type, generation, writes));

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.outcome).toBe('failed');
    expect(report.gate?.restored).toMatchObject({ passed: false, size: 15 });
    expect(report.reasons.join(' ')).toContain('15 of 15 resources the scan missed still differ from transform(source)');
    expect(report.activeAfter).toBe(report.activeBefore);
  });

  it('tombstones a resource the scan missed because the source deleted it before its delete event arrived', async () => {
    // Prepare
    const world = createWorld(defaultGateType());
    world.source.paging = 'offset';
    await seed(world, ids(300).map((id) => doc(id, 1)));
    world.source.docs.delete('d0007');

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);
    await world.applier()([upsertChange(doc('d0007', 1))]); // a late redelivery of its last upsert

    // Assess
    expect(report.reconciliation).toMatchObject({ missing: 1, restored: 0, gone: 1 });
    expect(await world.activeRecord('d0007')).toMatchObject({ deleted: true, version: 1 });
  });

  it('skips the reconciliation when the source says its scan is stable', async () => {
    // Prepare
    const world = createWorld(defaultGateType());
    await seed(world, ids(300).map((id) => doc(id, 1)));
    const phases: string[] = [];
    world.deps.onPhase = (_type, name) => phases.push(name);

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.outcome).toBe('succeeded');
    expect(phases).not.toContain('reconciling');
    expect(report.reconciliation).toBeUndefined();
    expect(report.gate?.restored).toBeUndefined();
  });
});

describe('the gate’s count after the replay', () => {
  it('passes a small type whose loaded resources were edited during the build, counting each once', async () => {
    // Prepare: five documents, a source that gives no count estimate, and two edits of loaded ones while the scan runs.
    const world = createWorld(defaultGateType());
    world.source.estimate = 'none';
    await seed(world, ids(5).map((id) => doc(id, 1)));
    const apply = world.applier();
    const original = world.source.beforePage;
    let edited = false;
    world.source.beforePage = async () => {
      await original();
      if (edited) return;
      edited = true;
      const changes = ['d0000', 'd0003'].map((id) => doc(id, 2));
      for (const change of changes) world.source.docs.set(String(change['id']), change);
      await apply(changes.map(upsertChange));
    };

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(edited).toBe(true);
    expect(report.outcome).toBe('succeeded');
    expect(await liveIn(world, ids(5))).toEqual(new Set(ids(5)));
  });
});
