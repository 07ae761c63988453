import { describe, expect, it } from 'vitest';
import { runInterleaving } from './support/interleaving.ts';
import { createWorld } from './support/world.ts';

describe('rebuild under concurrent changes', () => {
  it.each([1, 2, 3, 4, 5])('loses no change and resurrects nothing while changes flow during the build (seed %i)', async (seed) => {
    // Prepare
    const world = createWorld();

    // Act
    const result = await runInterleaving(world, { seed, initial: 1_500, deletedBefore: 200, idSpace: 2_500, lanes: 4, minChanges: 2_000, changesAfter: 300 });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.changes).toBeGreaterThanOrEqual(2_000);
    expect(result.changesByPhase.loading).toBeGreaterThan(0);
    expect(result.changesByPhase.replaying).toBeGreaterThan(0);
    expect(result.changesByPhase.after).toBeGreaterThan(0);
    expect(result.report.counts.replayed).toBeGreaterThan(0);
    expect(result.reads).toBeGreaterThan(0);
  });
});
