import { describe, expect, it } from 'vitest';
import { unavailableLauncher } from '../../../lambdas/adapters/compose/unavailable.ts';
import { apiWorld } from './support.ts';

describe('POST /v1/types/:type/audit', () => {
  it('submits the audit job of the type and answers 202 with where to follow it', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/audit', payload: { reason: 'after the CMS migration' } });

    expect(response.statusCode).toBe(202);
    expect(response.headers['location']).toBe('/v1/types/video');
    expect(response.json()).toEqual({ type: 'video', jobId: 'job-1', jobName: 'freshindex-rebuild-video', submittedAt: new Date(world.clock.now).toISOString(), status: '/v1/types/video' });
    expect(world.launcher.submitted).toEqual([{ type: 'video', job: 'audit', reason: 'after the CMS migration' }]);
  });

  it('submits an audit without a body', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/audit' });

    expect(response.statusCode).toBe(202);
    expect(world.launcher.submitted).toEqual([{ type: 'video', job: 'audit' }]);
  });

  it('accepts an audit while a rebuild of the type is requested, without touching its reservation', async () => {
    const world = await apiWorld();
    await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    const audit = await world.app.inject({ method: 'POST', url: '/v1/types/video/audit' });
    const secondRebuild = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild' });

    expect([audit.statusCode, secondRebuild.statusCode]).toEqual([202, 409]);
    expect(world.launcher.submitted.map((request) => request.job ?? 'rebuild')).toEqual(['rebuild', 'audit']);
  });

  it('answers 404 for an undeclared type without submitting anything', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/podcast/audit' });

    expect(response.statusCode).toBe(404);
    expect(world.launcher.submitted).toEqual([]);
  });

  it('answers 400 naming an unknown body field without submitting anything', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/audit', payload: { repair: false } });

    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json())).toContain('repair');
    expect(world.launcher.submitted).toEqual([]);
  });

  it('answers 501 on a deployment without a job queue', async () => {
    const world = await apiWorld();
    world.ops.launcher = unavailableLauncher;

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/audit' });

    expect(response.statusCode).toBe(501);
    expect(response.json()).toMatchObject({ type: 'urn:freshindex:problem:not-available', detail: 'This operation is not configured in this deployment.' });
  });
});
