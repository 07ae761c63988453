import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lambdas/core/errors.ts';
import { nextPointer } from '../../../lambdas/core/pointer.ts';
import { NothingToRollBackError, rebuildType, rollback } from '../../../lambdas/core/rebuild/index.ts';
import { createWorld, doc, seed, TYPE } from './support/world.ts';

describe('rollback', () => {
  it('serves the previous generation again, and a second rollback returns to the newer one', async () => {
    // Prepare
    const world = createWorld();
    world.source.docs.set('a', doc('a', 1, 'old title'));
    const old = await rebuildType(world.deps, world.type, world.options);
    world.source.docs.set('a', doc('a', 2, 'new title'));
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Act
    const first = await rollback(world.index, TYPE, Date.now);
    const afterFirst = await world.activeRecord('a');
    const second = await rollback(world.index, TYPE, Date.now);
    const afterSecond = await world.activeRecord('a');

    // Assess
    expect(first).toMatchObject({ from: report.generation, to: old.report.generation });
    expect(afterFirst?.record).toEqual({ title: 'old title', n: 2 });
    expect(second).toMatchObject({ from: old.report.generation, to: report.generation });
    expect(afterSecond?.record).toEqual({ title: 'new title', n: 4 });
  });

  it('refuses when the type has no previous generation', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, [doc('a', 1)]);

    // Act
    const attempt = rollback(world.index, TYPE, Date.now);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NothingToRollBackError);
  });

  it("answers nothing to roll back right after the first build, whose predecessor is the empty initial generation", async () => {
    // Prepare
    const world = createWorld();
    for (const id of ['a', 'b']) world.source.docs.set(id, doc(id, 1));
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Act
    const attempt = rollback(world.index, TYPE, Date.now);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NothingToRollBackError);
    await expect(attempt).rejects.toThrow(/^nothing to roll back: .*generation 1\b.*initial/);
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: report.generation, previous: 1 });
    expect(await world.activeRecord('a')).toMatchObject({ deleted: false, version: 1 });
  });

  it('refuses when another flip or rollback moved the pointer meanwhile', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, [doc('a', 1)]);
    await rebuildType(world.deps, world.type, world.options);
    await rebuildType(world.deps, world.type, world.options);
    const readPointer = world.index.readPointer.bind(world.index);
    let reads = 0;
    world.index.readPointer = async (type) => {
      const pointer = await readPointer(type);
      // Between rollback's first look and its write, another operator rolls back.
      if (++reads === 1 && pointer?.previous !== undefined) {
        await world.index.swapPointer(pointer, nextPointer(pointer, { active: pointer.previous, previous: pointer.active }, Date.now()));
      }
      return pointer;
    };

    // Act
    const attempt = rollback(world.index, TYPE, Date.now);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
  });

  it('leaves a running build alone, which then flips over the rolled-back generation', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, [doc('a', 1)]);
    const first = await rebuildType(world.deps, world.type, world.options);
    const second = await rebuildType(world.deps, world.type, world.options);
    let rolledBack = false;
    world.deps.onPhase = (_type, phase) => {
      if (phase === 'loading' && !rolledBack) {
        rolledBack = true;
        void rollback(world.index, TYPE, Date.now);
      }
    };

    // Act
    const third = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(third.report.outcome).toBe('succeeded');
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: third.report.generation, previous: first.report.generation });
    expect(third.report.retired).toEqual([second.report.generation]);
  });
});
