import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { checkResource, mergeTriggers, releaseResource } from '../../../lambdas/core/verify/check.ts';
import { memoryWorld, videoConfig } from './world.ts';

const doc = { id: 'v1', title: 'Hello', version: 3 };
const goodRecord = { title: 'Hello' };

function seeded(configOverrides: Record<string, unknown> = {}) {
  const world = memoryWorld(videoConfig(configOverrides), [doc]);
  world.index.put({ type: 'video', id: 'v1', generation: 1, version: 3, hash: contentHash(goodRecord), deleted: false, writtenAt: 0, record: goodRecord });
  return world;
}

describe('checkResource', () => {
  it('finds an index that matches its source equal and schedules nothing', async () => {
    const world = seeded();

    const outcome = await checkResource(world.deps, 'video', 'v1');

    expect(outcome).toMatchObject({ status: 'equal', quarantine: 'none' });
    expect(world.scheduler.scheduled).toEqual([]);
  });

  it('catches a record corrupted behind an intact hash attribute and overwrites it', async () => {
    const world = seeded();
    world.index.put({ type: 'video', id: 'v1', generation: 1, version: 3, hash: contentHash(goodRecord), deleted: false, writtenAt: 0, record: { title: 'Tampered' } });

    const outcome = await checkResource(world.deps, 'video', 'v1');

    expect(outcome).toMatchObject({ status: 'different', repair: 'forced', difference: { kind: 'content' } });
    expect(world.index.stored('video', 'v1')?.record).toEqual(goodRecord);
  });

  it('repairs a corruption at the same version with another hash through the version guard', async () => {
    const world = seeded();
    world.index.put({ type: 'video', id: 'v1', generation: 1, version: 3, hash: 'other', deleted: false, writtenAt: 0, record: { title: 'Tampered' } });

    const outcome = await checkResource(world.deps, 'video', 'v1');

    expect(outcome.repair).toBe('written');
    expect(world.index.stored('video', 'v1')?.record).toEqual(goodRecord);
  });

  it('writes a record the index is missing', async () => {
    const world = memoryWorld(videoConfig(), [doc]);

    const outcome = await checkResource(world.deps, 'video', 'v1');

    expect(outcome).toMatchObject({ status: 'different', difference: { kind: 'missing' }, repair: 'written' });
    expect(world.index.stored('video', 'v1')?.record).toEqual(goodRecord);
  });

  it('tombstones a record the source no longer has at its own version', async () => {
    const world = seeded();
    world.source.docs.delete('v1');

    const outcome = await checkResource(world.deps, 'video', 'v1');

    expect(outcome).toMatchObject({ difference: { kind: 'extra' }, repair: 'written' });
    expect(world.index.stored('video', 'v1')).toMatchObject({ deleted: true, version: 3 });
  });

  it('keeps a resource re-created while its check found it gone: the tombstone is dated from the index as it was before the source read', async () => {
    // Prepare: v1 is indexed at v3 and gone at the source. Right as the check's source read
    // answers "gone", v1 is re-created at v4 and a live applier indexes it.
    const world = seeded();
    world.source.docs.delete('v1');
    world.source.get = async (id) => {
      const found = world.source.docs.get(id);
      world.source.docs.set('v1', { ...doc, title: 'Back', version: 4 });
      world.index.put({ type: 'video', id: 'v1', generation: 1, version: 4, hash: contentHash({ title: 'Back' }), deleted: false, writtenAt: 1, record: { title: 'Back' } });
      return found;
    };

    // Act
    const outcome = await checkResource(world.deps, 'video', 'v1');

    // Assess: the tombstone at v3 lost to the re-created v4, which stays.
    expect(outcome).toMatchObject({ difference: { kind: 'extra' }, repair: 'stale' });
    expect(world.index.stored('video', 'v1')).toMatchObject({ deleted: false, version: 4, record: { title: 'Back' } });
  });

  it('schedules a re-check after the settle delay when it finds a difference', async () => {
    const world = memoryWorld(videoConfig(), [doc]);

    await checkResource(world.deps, 'video', 'v1');

    expect(world.scheduler.scheduled).toEqual([{ type: 'video', id: 'v1', checkAfter: world.clock.now + 60_000, trigger: 'recheck' }]);
  });

  it('logs a repair for the building generation and writes both generations while a build runs', async () => {
    const world = memoryWorld(videoConfig(), [doc]);
    world.index.pointers.set('video', { type: 'video', active: 1, nextGeneration: 3, revision: 2, updatedAt: 0, building: { generation: 2, buildId: 'b', startedAt: 0 } });

    await checkResource(world.deps, 'video', 'v1');

    expect(world.catchUp.loggedIds()).toEqual(['v1']);
    expect(world.index.stored('video', 'v1', 2)?.record).toEqual(goodRecord);
  });

  it('resets the difference counter when the check is clean', async () => {
    const world = memoryWorld(videoConfig(), [doc]);
    await checkResource(world.deps, 'video', 'v1');
    const recheck = world.scheduler.take();
    world.clock.advance(60_000);

    await checkResource(world.deps, 'video', 'v1', { kind: 'recheck', dueTimes: [recheck.checkAfter] });

    expect(await world.counters.get('video', 'v1')).toBeUndefined();
  });

  it('quarantines a resource that differs on every check and alerts exactly once', async () => {
    let calls = 0;
    const world = seeded({ transform: (d: Record<string, unknown>) => ({ title: d['title'], seen: ++calls }) });

    for (let i = 0; i < 5; i++) {
      const trigger = i === 0 ? { kind: 'change' as const } : { kind: 'recheck' as const, dueTimes: [world.scheduler.take().checkAfter] };
      await checkResource(world.deps, 'video', 'v1', trigger);
      world.clock.advance(120_000);
    }

    expect(await world.quarantine.get('video', 'v1')).toMatchObject({ differences: 3 });
    expect(world.notifier.alerts).toHaveLength(1);
  });

  it('says in its alert which resource, the differences seen and what to do', async () => {
    let calls = 0;
    const world = seeded({ transform: (d: Record<string, unknown>) => ({ title: d['title'], seen: ++calls }) });

    for (let i = 0; i < 3; i++) {
      const trigger = i === 0 ? { kind: 'change' as const } : { kind: 'recheck' as const, dueTimes: [world.scheduler.take().checkAfter] };
      await checkResource(world.deps, 'video', 'v1', trigger);
    }

    const [alert] = world.notifier.alerts;
    expect(alert).toMatchObject({ kind: 'resource-quarantined', type: 'video', id: 'v1', details: { differences: 3 } });
    expect((alert?.details['seen'] as unknown[]).length).toBe(3);
    expect(alert?.action).toMatch(/release/);
  });

  it('releases a quarantined resource after the configured clean checks in a row', async () => {
    const world = seeded();
    await world.quarantine.add({ type: 'video', id: 'v1', since: 0, differences: 3, lastDifference: 'x', cleanChecks: 0 });

    const first = await checkResource(world.deps, 'video', 'v1');
    const second = await checkResource(world.deps, 'video', 'v1', { kind: 'recheck', dueTimes: [world.scheduler.take().checkAfter] });

    expect([first.quarantine, second.quarantine]).toEqual(['held', 'released']);
    expect(await world.quarantine.get('video', 'v1')).toBeUndefined();
  });

  it('restarts the clean streak of a quarantined resource when it differs again', async () => {
    const world = seeded();
    await world.quarantine.add({ type: 'video', id: 'v1', since: 0, differences: 3, lastDifference: 'x', cleanChecks: 0 });
    await checkResource(world.deps, 'video', 'v1');
    world.index.put({ type: 'video', id: 'v1', generation: 1, version: 3, hash: 'x', deleted: false, writtenAt: 0, record: { title: 'Tampered' } });
    await checkResource(world.deps, 'video', 'v1', { kind: 'recheck', dueTimes: [world.scheduler.take().checkAfter] });

    const outcome = await checkResource(world.deps, 'video', 'v1', { kind: 'recheck', dueTimes: [world.scheduler.take().checkAfter] });

    expect(outcome).toMatchObject({ status: 'equal', quarantine: 'held', counters: { cleanChecks: 1 } });
  });

  it('drops a re-check that a newer check superseded', async () => {
    const world = memoryWorld(videoConfig(), [doc]);
    await checkResource(world.deps, 'video', 'v1');
    const stale = world.scheduler.take();
    world.clock.advance(1_000);
    world.index.put({ type: 'video', id: 'v1', generation: 1, version: 3, hash: 'x', deleted: false, writtenAt: 0, record: { title: 'Tampered' } });
    await checkResource(world.deps, 'video', 'v1');

    const outcome = await checkResource(world.deps, 'video', 'v1', { kind: 'recheck', dueTimes: [stale.checkAfter] });

    expect(outcome.status).toBe('superseded');
  });

  it('gives a resource released by an operator a fresh difference streak', async () => {
    const world = seeded();
    await world.counters.recordDifference('video', 'v1', { at: 0, summary: 'x' }, 1);
    await world.counters.recordDifference('video', 'v1', { at: 0, summary: 'x' }, 1);
    await world.counters.recordDifference('video', 'v1', { at: 0, summary: 'x' }, 1);
    await world.quarantine.add({ type: 'video', id: 'v1', since: 0, differences: 3, lastDifference: 'x', cleanChecks: 0 });

    await releaseResource(world.deps, 'video', 'v1');
    world.index.put({ type: 'video', id: 'v1', generation: 1, version: 3, hash: 'x', deleted: false, writtenAt: 0, record: { title: 'Tampered' } });
    const outcome = await checkResource(world.deps, 'video', 'v1');

    expect(outcome).toMatchObject({ quarantine: 'none', counters: { differences: 1 } });
  });

  it('checks a released resource again one settle delay later, so one that still differs is counted and quarantined again', async () => {
    let calls = 0;
    // A transform that never gives the same record twice: the resource differs on every check.
    const world = seeded({ transform: (d: Record<string, unknown>) => ({ title: d['title'], seen: ++calls }) });
    for (let i = 0; i < 3; i++) {
      const trigger = i === 0 ? { kind: 'change' as const } : { kind: 'recheck' as const, dueTimes: [world.scheduler.take().checkAfter] };
      await checkResource(world.deps, 'video', 'v1', trigger);
    }
    const pending = world.scheduler.take();

    await releaseResource(world.deps, 'video', 'v1');

    const fresh = world.scheduler.take();
    expect(fresh).toEqual({ type: 'video', id: 'v1', checkAfter: world.clock.now + 60_000, trigger: 'change' });
    expect(await checkResource(world.deps, 'video', 'v1', { kind: 'recheck', dueTimes: [pending.checkAfter] })).toMatchObject({ status: 'superseded' });
    expect(await checkResource(world.deps, 'video', 'v1', { kind: 'change' })).toMatchObject({ status: 'different', counters: { differences: 1 } });
  });

  it('rejects a type the config does not declare', async () => {
    const world = memoryWorld();

    await expect(checkResource(world.deps, 'podcast', 'p1')).rejects.toMatchObject({ name: 'UnknownTypeError', retryable: false });
  });
});

describe('mergeTriggers', () => {
  it('lets a change win over re-checks of the same resource', () => {
    expect(mergeTriggers([{ kind: 'recheck', dueTimes: [1] }, { kind: 'change' }])).toEqual({ kind: 'change' });
  });

  it('pools the due times of several re-checks', () => {
    expect(mergeTriggers([{ kind: 'recheck', dueTimes: [1] }, { kind: 'recheck', dueTimes: [2] }])).toEqual({ kind: 'recheck', dueTimes: [1, 2] });
  });
});
