import { describe, expect, it } from 'vitest';
import { openGeneration, rebuildType } from '../../../lambdas/core/rebuild/index.ts';
import { createWorld, doc, seed, TYPE } from './support/world.ts';

const crashedRecord = (buildId: string, generation: number | undefined, phase: 'loading' | 'flipping') => ({
  type: TYPE, buildId, holder: 'dead-host', status: 'running' as const, phase, startedAt: 1, updatedAt: 1, progress: { done: 0, perSecond: 0 },
  ...(generation === undefined ? {} : { generation }),
});

describe('recovery of an unfinished build', () => {
  it('clears the building generation of a crashed build, deletes its records and succeeds', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, [doc('a', 1), doc('b', 1)]);
    const crashed = await openGeneration(world.index, TYPE, 'crashed', Date.now);
    await world.control.save(crashedRecord('crashed', crashed.generation, 'loading'));
    await world.index.write(TYPE, crashed.generation, [{ kind: 'upsert', id: 'half', version: 1, hash: 'h', record: {} }]);
    await world.catchUp.record(TYPE, crashed.generation, ['a']);
    await world.control.acquire({ type: TYPE, buildId: 'crashed', holder: 'dead-host', acquiredAt: 0, expiresAt: Date.now() - 1 }, Date.now());

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.outcome).toBe('succeeded');
    expect(report.recovered).toMatchObject({ buildId: 'crashed', generation: crashed.generation });
    expect(world.index.size(TYPE, crashed.generation)).toBe(0);
    expect(world.catchUp.logs.has(`${TYPE}#${crashed.generation}`)).toBe(false);
    expect(await world.control.get(TYPE, 'crashed')).toMatchObject({ status: 'abandoned' });
  });

  it('closes a build that crashed right after its flip as succeeded and retires what its flip replaced', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, [doc('a', 1)]);
    const first = await rebuildType(world.deps, world.type, world.options);
    const second = await rebuildType(world.deps, world.type, world.options);
    // Pretend the second build died right after its flip: its record still says "flipping", generation 1
    // was never deleted and still has the note it got while it was named (the flip's own notes were never written).
    await world.index.bulkPut(TYPE, 1, [{ type: TYPE, id: 'a', generation: 1, version: 1, hash: 'h', deleted: false, writtenAt: 0, record: {} }]);
    await world.control.add({ type: TYPE, generation: 1, records: true, reason: 'named by the pointer when the generations were swept' });
    await world.control.save(crashedRecord(second.report.buildId, second.report.generation, 'flipping'));

    // Act
    const third = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(third.report.recovered?.note).toMatch(/stopped after its flip/);
    expect(await world.control.get(TYPE, second.report.buildId)).toMatchObject({ status: 'succeeded' });
    expect(world.index.size(TYPE, 1)).toBe(0);
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: third.report.generation, previous: second.report.generation });
    expect(world.index.size(TYPE, first.report.generation as number)).toBe(0);
  });

  it('abandons the build without touching the pointer when another build takes its lease', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, [doc('a', 1)]);
    world.deps.onPhase = (_type, phase) => {
      if (phase === 'loading') {
        // The build stalls; its lease runs out and another build takes it.
        world.control.leases.set(TYPE, { type: TYPE, buildId: 'usurper', holder: 'other', acquiredAt: Date.now(), expiresAt: Date.now() + 60_000 });
      }
    };

    // Act
    const { report } = await rebuildType(world.deps, world.type, { ...world.options, lease: { ttlMs: 2_000, heartbeatMs: 20 } });

    // Assess
    expect(report.outcome).toBe('abandoned');
    expect(report.reasons[0]).toMatch(/lost its lease/);
    expect((await world.index.readPointer(TYPE))?.building?.generation).toBe(report.generation);
    expect(world.control.leases.get(TYPE)?.buildId).toBe('usurper');
  });
});
