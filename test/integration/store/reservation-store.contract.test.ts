/**
 * The contract of the build reservation store, on DynamoDB, Redis and in memory
 * (support/backends.ts), so a unit test cannot pass on behaviour the real stores lack.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lambdas/core/errors.ts';
import type { BuildReservation, ReservationStore } from '../../../lambdas/core/rebuild/reservation.ts';
import { eachBackend, useBackend } from './support/backends.ts';

// Now, not a fixed instant: Redis drops a reservation a day after it expired, by its own clock.
const NOW = Date.now();
const reservation = (id: string, reservedAt = NOW, ttlMs = 60_000): BuildReservation => ({ type: 'video', id, reservedAt, expiresAt: reservedAt + ttlMs });

describe.each(eachBackend)('reservation store contract: %s', (_name, start) => {
  const env = useBackend(start);
  let store: ReservationStore;
  beforeEach(() => {
    store = env.ports.reservations;
  });

  it('keeps a reservation with who asked for it', async () => {
    await store.reserve({ ...reservation('r1'), requestedBy: 'arn:aws:iam::1:user/op' }, NOW);

    expect(await store.read('video')).toEqual({ ...reservation('r1'), requestedBy: 'arn:aws:iam::1:user/op' });
  });

  it('refuses a second reservation while the first has not expired', async () => {
    await store.reserve(reservation('r1'), NOW);

    await expect(store.reserve(reservation('r2', NOW + 5_000), NOW + 5_000)).rejects.toBeInstanceOf(ConflictError);
    expect((await store.read('video'))?.id).toBe('r1');
  });

  it('takes over a reservation whose job never started once it expired', async () => {
    await store.reserve(reservation('r1'), NOW);

    await store.reserve(reservation('r2', NOW + 60_001), NOW + 60_001);

    expect((await store.read('video'))?.id).toBe('r2');
  });

  it('keeps the reservations of different types apart', async () => {
    await store.reserve(reservation('r1'), NOW);

    await store.reserve({ ...reservation('r2'), type: 'article' }, NOW);

    expect([(await store.read('video'))?.id, (await store.read('article'))?.id]).toEqual(['r1', 'r2']);
  });

  it('records the submitted job on its own reservation only', async () => {
    await store.reserve(reservation('r1'), NOW);

    await store.attach(reservation('r1'), 'job-1');
    await store.attach(reservation('other'), 'job-2');

    expect((await store.read('video'))?.jobId).toBe('job-1');
  });

  it('withdraws its own reservation, never another request\'s', async () => {
    await store.reserve(reservation('r1'), NOW);

    await store.cancel(reservation('other'));
    const kept = await store.read('video');
    await store.cancel(reservation('r1'));

    expect([kept?.id, await store.read('video')]).toEqual(['r1', undefined]);
  });

  it('is settled by its own job, or by any job before one is attached', async () => {
    await store.reserve(reservation('r1'), NOW);
    await store.attach(reservation('r1'), 'job-1');

    await store.settle('video', 'job-2');
    const keptForItsJob = await store.read('video');
    await store.settle('video', 'job-1');
    await store.reserve(reservation('r2'), NOW);
    await store.settle('video', undefined);

    expect([keptForItsJob?.id, await store.read('video')]).toEqual(['r1', undefined]);
  });

  it('settles nothing when the type has no reservation', async () => {
    await store.settle('video', 'job-1');

    expect(await store.read('video')).toBeUndefined();
  });

  it('holds a reservation up to its expiry, not past it', async () => {
    await store.reserve(reservation('r1'), NOW);

    await expect(store.reserve(reservation('r2', NOW + 60_000), NOW + 60_000)).rejects.toBeInstanceOf(ConflictError);
    await store.reserve(reservation('r3', NOW + 60_001), NOW + 60_001);

    expect((await store.read('video'))?.id).toBe('r3');
  });

  it('forgets the job and the requester of a reservation it took over', async () => {
    await store.reserve({ ...reservation('r1'), requestedBy: 'op' }, NOW);
    await store.attach(reservation('r1'), 'job-1');

    await store.reserve(reservation('r2', NOW + 60_001), NOW + 60_001);

    expect(await store.read('video')).toEqual(reservation('r2', NOW + 60_001));
  });
});
