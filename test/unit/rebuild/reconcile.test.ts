import { describe, expect, it } from 'vitest';
import { rebuildType } from '../../../lambdas/core/rebuild/index.ts';
import { createWorld, deleteChange, doc, seed, videoType, type World } from './support/world.ts';

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
});
