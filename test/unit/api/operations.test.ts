import { describe, expect, it } from 'vitest';
import { apiWorld } from './support.ts';

describe('POST /v1/types/:type/rebuild', () => {
  it('submits the rebuild job and answers 202 with where to follow it', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild', payload: { reason: 'transform changed' } });

    expect(response.statusCode).toBe(202);
    expect(response.headers['location']).toBe('/v1/types/video');
    expect(response.json()).toMatchObject({ type: 'video', jobId: 'job-1', status: '/v1/types/video' });
    expect(world.launcher.submitted).toEqual([{ type: 'video', reason: 'transform changed' }]);
  });

  it('submits a rebuild without a body', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    expect(response.statusCode).toBe(202);
  });

  it('answers 409 while a build of the type holds a live lease', async () => {
    const world = await apiWorld();
    world.leases.set('video', { type: 'video', buildId: 'b7', holder: 'job-7', acquiredAt: world.clock.now, expiresAt: world.clock.now + 60_000 });

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toContain('build b7');
    expect(world.launcher.submitted).toEqual([]);
    expect(await world.reservations.read('video')).toBeUndefined();
  });

  it('refuses a second rebuild requested before the first one\'s job started, and submits one job', async () => {
    const world = await apiWorld();
    const first = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });
    world.clock.advance(5_000);

    const second = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    expect([first.statusCode, second.statusCode]).toEqual([202, 409]);
    expect(second.json().detail).toBe(
      'a rebuild of "video" was requested at 2023-11-14T22:13:20.000Z (job job-1) and has not started yet; a new request is accepted once it has run, or from 2023-11-14T22:28:20.000Z if its job never starts',
    );
    expect(world.launcher.submitted).toHaveLength(1);
  });

  it('accepts a new rebuild once the reserved job took the lease and ran', async () => {
    const world = await apiWorld();
    await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });
    await world.reservations.settle('video', 'job-1');

    const again = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    expect(again.statusCode).toBe(202);
    expect(world.launcher.submitted).toHaveLength(2);
  });

  it('accepts a new rebuild once the reservation of a job that never started expired', async () => {
    const world = await apiWorld();
    await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });
    world.clock.advance(15 * 60_000 + 1);

    const again = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    expect(again.statusCode).toBe(202);
  });

  it('withdraws the reservation when the job cannot be submitted', async () => {
    const world = await apiWorld();
    const submit = world.launcher.submit.bind(world.launcher);
    world.launcher.submit = async () => {
      throw new Error('Batch is down');
    };
    const failed = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });
    world.launcher.submit = submit;

    const again = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    expect([failed.statusCode, again.statusCode]).toEqual([500, 202]);
  });

  it('submits when the lease left behind has expired', async () => {
    const world = await apiWorld();
    world.leases.set('video', { type: 'video', buildId: 'b7', holder: 'job-7', acquiredAt: 0, expiresAt: world.clock.now - 1 });

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    expect(response.statusCode).toBe(202);
  });

  it('answers 400 naming an unknown body field', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild', payload: { reason: 'x', force: true } });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'body.force', message: 'must NOT have additional properties' }]);
  });

  it('answers 400 naming a reason of the wrong type', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild', payload: { reason: 42 } });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('body.reason');
  });

  it('answers 400 for a body that is not JSON', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild', headers: { 'content-type': 'application/json' }, payload: '{oops' });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('answers 404 for an undeclared type without submitting anything', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/podcast/rebuild' });

    expect(response.statusCode).toBe(404);
    expect(world.launcher.submitted).toEqual([]);
  });
});

describe('POST /v1/types/:type/rollback', () => {
  it('swaps the active and previous generations', async () => {
    const world = await apiWorld();
    world.index.pointers.set('video', { type: 'video', active: 3, previous: 2, nextGeneration: 4, revision: 5, updatedAt: 0 });

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rollback' });

    expect(response.json()).toEqual({ type: 'video', from: 3, to: 2 });
    expect(world.index.pointers.get('video')).toMatchObject({ active: 2, previous: 3 });
  });

  it('makes the applier see the rolled-back pointer at once', async () => {
    const world = await apiWorld();
    world.index.pointers.set('video', { type: 'video', active: 3, previous: 2, nextGeneration: 4, revision: 5, updatedAt: 0 });
    await world.ops.pointers.get('video');

    await world.app.inject({ method: 'POST', url: '/v1/types/video/rollback' });

    expect((await world.ops.pointers.get('video')).active).toBe(2);
  });

  it('answers 409 when there is no previous generation', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rollback' });

    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toBe('nothing to roll back: "video" has no previous generation');
  });

  it('answers 409 "nothing to roll back" when the previous generation is the empty initial one', async () => {
    const world = await apiWorld();
    world.index.pointers.set('video', { type: 'video', active: 2, previous: 1, nextGeneration: 3, revision: 3, updatedAt: 0 });

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rollback' });

    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toMatch(/^nothing to roll back: /);
    expect(world.index.pointers.get('video')).toMatchObject({ active: 2, previous: 1 });
  });

  it('answers 404 for an undeclared type', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/podcast/rollback' });

    expect(response.statusCode).toBe(404);
  });
});
