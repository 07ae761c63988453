/**
 * The contract of the rebuild's control records (the build lease, build records, retirement
 * notes, the swept mark), on DynamoDB, Redis and in memory (support/backends.ts), so a unit test
 * cannot pass on behaviour the real stores lack.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lambdas/core/errors.ts';
import type { BuildRecord, Lease } from '../../../lambdas/core/rebuild/index.ts';
import { eachBackend, useBackend } from './support/backends.ts';

// Build records are kept 90 days after they started: these started now.
const STARTED = Date.now();
const record = (buildId: string, status: BuildRecord['status']): BuildRecord => ({
  type: 'video', buildId, holder: 'h', status, phase: 'done', startedAt: STARTED, updatedAt: STARTED, progress: { done: 0, perSecond: 0 },
});
const NOW = 1_700_000_000_000;
const lease = (buildId: string, expiresAt = NOW + 60_000): Lease => ({ type: 'video', buildId, holder: `host-${buildId}`, acquiredAt: NOW, expiresAt });

describe.each(eachBackend)('build control contract: %s', (_name, start) => {
  const env = useBackend(start);
  const create = async () => env.ports.builds;

  it('keeps a note for the records and one for the catch-up log of the same generation apart', async () => {
    // Prepare
    const control = await create();
    await control.add({ type: 'video', generation: 4, records: true, reason: 'opened by build b' });
    await control.add({ type: 'video', generation: 4, records: false, retiredAt: 10, reason: 'catch-up log of the flipped generation' });

    // Act
    await control.remove('video', 4, false);

    // Assess
    expect(await control.pending('video')).toEqual([{ type: 'video', generation: 4, records: true, reason: 'opened by build b' }]);
  });

  it('replaces a note of the same generation and kind, giving it the instant it retired', async () => {
    // Prepare
    const control = await create();
    await control.add({ type: 'video', generation: 7, records: true, reason: 'opened by build b' });

    // Act
    await control.add({ type: 'video', generation: 7, records: true, retiredAt: 1234, reason: 'replaced by generation 9' });

    // Assess
    expect(await control.pending('video')).toEqual([{ type: 'video', generation: 7, records: true, retiredAt: 1234, reason: 'replaced by generation 9' }]);
  });

  it('starts the swept mark at 1 and keeps what it is told', async () => {
    // Prepare
    const control = await create();
    const before = await control.sweptBelow('video');

    // Act
    await control.markSwept('video', 12);

    // Assess
    expect(before).toBe(1);
    expect(await control.sweptBelow('video')).toBe(12);
    expect(await control.sweptBelow('article')).toBe(1);
  });

  it('saves a build record without making it the latest when told so', async () => {
    // Prepare
    const control = await create();
    await control.save(record('b1', 'succeeded'));
    await control.save(record('b2', 'running'));

    // Act
    await control.save({ ...record('b1', 'succeeded'), phase: 'done', updatedAt: STARTED + 99 }, { latest: false });

    // Assess
    expect(await control.latest('video')).toMatchObject({ buildId: 'b2', status: 'running' });
    expect(await control.get('video', 'b1')).toMatchObject({ updatedAt: STARTED + 99 });
  });

  it('lists the builds of a type newest first, without the latest copy, up to the limit', async () => {
    const control = await create();
    for (const id of ['20260101T000000000Z-a', '20260103T000000000Z-c', '20260102T000000000Z-b']) await control.save(record(id, 'succeeded'));
    await control.save({ ...record('20260109T000000000Z-x', 'running'), type: 'article' });

    const listed = await control.list('video', 2);

    expect(listed.map((build) => build.buildId)).toEqual(['20260103T000000000Z-c', '20260102T000000000Z-b']);
    expect((await control.list('video', 10)).length).toBe(3);
  });

  it('knows no build of a type never built', async () => {
    const control = await create();

    expect([await control.latest('video'), await control.get('video', 'nope'), await control.list('video', 5)]).toEqual([undefined, undefined, []]);
  });

  it('lists the notes of a type in generation order, records before the catch-up log', async () => {
    const control = await create();
    await control.add({ type: 'video', generation: 12, records: false, reason: 'log' });
    await control.add({ type: 'video', generation: 3, records: true, reason: 'old' });
    await control.add({ type: 'video', generation: 12, records: true, reason: 'records' });
    await control.add({ type: 'article', generation: 1, records: true, reason: 'other type' });

    const pending = await control.pending('video');

    expect(pending.map((note) => [note.generation, note.records])).toEqual([[3, true], [12, true], [12, false]]);
  });

  it('gives a free lease to the first build and refuses a second while it is held', async () => {
    const control = await create();
    await control.acquire(lease('b1'), NOW);

    await expect(control.acquire(lease('b2'), NOW + 1_000)).rejects.toBeInstanceOf(ConflictError);
    expect(await control.read('video')).toEqual(lease('b1'));
  });

  it('lets the holder take its own lease again', async () => {
    const control = await create();
    await control.acquire(lease('b1'), NOW);

    await control.acquire(lease('b1', NOW + 90_000), NOW + 1_000);

    expect((await control.read('video'))?.expiresAt).toBe(NOW + 90_000);
  });

  it('holds a lease up to its expiry and frees it once the expiry has passed', async () => {
    const control = await create();
    await control.acquire(lease('b1', NOW + 60_000), NOW);

    await expect(control.acquire(lease('b2'), NOW + 60_000)).rejects.toBeInstanceOf(ConflictError);
    await control.acquire(lease('b2', NOW + 200_000), NOW + 60_001);

    expect((await control.read('video'))?.buildId).toBe('b2');
  });

  it('renews a lease only for its holder', async () => {
    const control = await create();
    await control.acquire(lease('b1'), NOW);

    const renewed = await control.renew(lease('b1'), NOW + 120_000);

    expect(renewed).toEqual(lease('b1', NOW + 120_000));
    expect((await control.read('video'))?.expiresAt).toBe(NOW + 120_000);
    await expect(control.renew(lease('b2'), NOW + 180_000)).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuses to renew a lease nobody holds', async () => {
    const control = await create();

    await expect(control.renew(lease('b1'), NOW + 120_000)).rejects.toBeInstanceOf(ConflictError);
    expect(await control.read('video')).toBeUndefined();
  });

  it('releases a lease for its holder only, and a release of a lost lease does nothing', async () => {
    const control = await create();
    await control.acquire(lease('b1'), NOW);

    await control.release(lease('b2'));
    const kept = await control.read('video');
    await control.release(lease('b1'));
    await control.release(lease('b1'));

    expect([kept?.buildId, await control.read('video')]).toEqual(['b1', undefined]);
  });

  it('keeps the leases of types apart', async () => {
    const control = await create();
    await control.acquire(lease('b1'), NOW);

    await control.acquire({ ...lease('b2'), type: 'article' }, NOW);

    expect([(await control.read('video'))?.buildId, (await control.read('article'))?.buildId]).toEqual(['b1', 'b2']);
  });
});
