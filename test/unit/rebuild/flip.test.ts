import { describe, expect, it } from 'vitest';
import { rebuildType } from '../../../lambdas/core/rebuild/index.ts';
import { createWorld, doc, seed, TYPE, upsertChange } from './support/world.ts';

describe('appliers around the flip', () => {
  it('deletes a resource from the new generation when an applier still caching the pre-flip pointer applies a delete without version', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, [doc('a', 1), doc('b', 1)]);
    // An applier whose pointer cache never expires: it keeps the pointer it read while the build ran
    // (active 1, building = the new generation), as a Lambda instance does for up to the cache lifetime.
    const stale = world.applier(() => 0);
    let staleLoaded: Promise<unknown> | undefined;
    world.deps.onPhase = (_type, phase) => {
      if (phase === 'replaying') staleLoaded ??= stale([upsertChange(doc('b', 1))]);
    };
    const { report } = await rebuildType(world.deps, world.type, world.options);
    await staleLoaded;
    // After the flip, an applier with the new pointer writes a newer version to the new generation only.
    world.source.docs.set('a', doc('a', 2));
    await world.applier()([upsertChange(doc('a', 2))]);
    world.source.docs.delete('a');

    // Act
    await stale([{ key: 'gone', change: { type: TYPE, id: 'a', op: 'delete' } }]);

    // Assess
    expect(report).toMatchObject({ outcome: 'succeeded', activeBefore: 1 });
    expect((await world.index.getRecords(TYPE, 1, ['a'])).get('a')).toMatchObject({ deleted: true }); // the stale pointer was used
    expect(await world.activeRecord('a')).toMatchObject({ deleted: true, version: 2 });
  });
});

describe('the catch-up log of a flipped generation', () => {
  it('is left empty when an applier logged into it with the pre-flip pointer and its write landed after the clean-up cleared the log', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, [doc('a', 1), doc('b', 1)]);
    // The applier's clock stands still while its log write is held, then moves past its pointer-cache lifetime.
    let now = 0;
    const slow = world.applier(() => now);
    const record = world.catchUp.record.bind(world.catchUp);
    let land: () => void = () => undefined;
    const landing = new Promise<void>((resolve) => (land = resolve));
    world.catchUp.record = async (type, generation, ids) => {
      // The write lands only when the test says so (retried, its answer lost): after the clean-up.
      await landing;
      await record(type, generation, ids);
    };
    let applied: Promise<unknown> | undefined;
    world.deps.onPhase = (_type, phase) => {
      if (phase === 'replaying') applied ??= slow([upsertChange(doc('b', 1))]);
    };
    const { report, cleanup } = await rebuildType(world.deps, world.type, world.options);

    // Act
    now += 60_000;
    land();
    await applied;

    // Assess
    expect(report).toMatchObject({ outcome: 'succeeded', generation: 2 });
    expect(cleanup.failed).toEqual([]);
    expect([...(world.catchUp.logs.get(`${TYPE}#2`) ?? [])]).toEqual([]);
    expect(await world.activeRecord('b')).toMatchObject({ version: 1, deleted: false });
  });
});
