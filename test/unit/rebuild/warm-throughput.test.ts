import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { rebuildType, type TableWarmer } from '../../../lambdas/core/rebuild/index.ts';
import { createWorld, doc, videoType } from './support/world.ts';

/** A world whose source says it holds 2 M documents (it holds 300): a large load by the estimate. */
function largeWorld() {
  const world = createWorld(videoType({ rebuild: { gate: { countTolerance: 1, sampleSize: 5 } } }));
  for (let i = 0; i < 300; i++) world.source.docs.set(`v${i}`, doc(`v${i}`, 1));
  world.source.estimateCount = async () => 2_000_000;
  const phases: string[] = [];
  world.deps.onPhase = (_type, phase) => phases.push(phase);
  return { world, phases };
}

describe('warm throughput before a large load', () => {
  it('raises the index table\'s warm write throughput to the load\'s planned rate before loading', async () => {
    // Prepare
    const { world, phases } = largeWorld();
    const asked: Array<{ writes: number; phase: string | undefined }> = [];
    const warmer: TableWarmer = {
      async warmWrites(writes) {
        asked.push({ writes, phase: phases.at(-1) });
        return { before: 4_000, after: writes, raised: true };
      },
    };
    world.deps.warmer = warmer;
    const { concurrency: _derived, ...options } = world.options;

    // Act
    const { report } = await rebuildType(world.deps, world.type, options);

    // Assess: 2 M documents take 16 segments (one per 25,000, at most 16 by size), 1,000 writes/s each.
    expect(asked).toEqual([{ writes: 16_000, phase: 'waiting' }]);
    expect(report.warmThroughput).toEqual({ target: 16_000, before: 4_000, after: 16_000, raised: true });
  });

  it('loads and flips all the same when the warm throughput cannot be raised, saying why', async () => {
    // Prepare
    const { world } = largeWorld();
    world.deps.warmer = { warmWrites: async () => Promise.reject(new StoreError('AccessDenied: dynamodb:UpdateTable', { retryable: false })) };

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.outcome).toBe('succeeded');
    expect(report.warmThroughput).toMatchObject({ raised: false, error: expect.stringContaining('UpdateTable') });
  });

  it('leaves the table alone for a source below a million documents', async () => {
    // Prepare
    const world = createWorld();
    for (let i = 0; i < 50; i++) world.source.docs.set(`v${i}`, doc(`v${i}`, 1));
    let asked = 0;
    world.deps.warmer = { warmWrites: async () => (asked++, undefined) };

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(asked).toBe(0);
    expect(report.warmThroughput).toBeUndefined();
  });
});
