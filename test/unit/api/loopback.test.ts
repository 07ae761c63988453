import { describe, expect, it } from 'vitest';
import { buildOpsApp } from '../../../lambdas/api/app.ts';
import { buildControlApp } from '../../../lambdas/local/dev/control-server.ts';
import type { LocalJobs } from '../../../lambdas/local/dev/jobs.ts';
import type { LocalScheduler } from '../../../lambdas/local/dev/scheduler.ts';
import { apiWorld } from './support.ts';

const local = { host: '127.0.0.1:4562' };

async function localOpsApi() {
  const world = await apiWorld();
  world.index.pointers.set('video', { type: 'video', active: 3, previous: 2, nextGeneration: 4, revision: 5, updatedAt: 0 });
  const app = buildOpsApp(world.ops, { loopbackOnly: true });
  await app.ready();
  return { world, app };
}

describe('the local ops API refuses what a web page could send', () => {
  it('refuses a body-less POST carrying a foreign Origin, and rolls nothing back', async () => {
    const { world, app } = await localOpsApi();

    const response = await app.inject({ method: 'POST', url: '/v1/types/video/rollback', headers: { ...local, origin: 'https://evil.example' } });

    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ type: 'urn:freshindex:problem:forbidden', detail: expect.stringContaining('web page') });
    expect(world.index.pointers.get('video')).toMatchObject({ active: 3, previous: 2 });
  });

  it('refuses a request whose Host is not loopback (DNS rebinding), and submits nothing', async () => {
    const { world, app } = await localOpsApi();

    const response = await app.inject({ method: 'POST', url: '/v1/types/video/rebuild', headers: { host: 'evil.example:4562' } });

    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('evil.example');
    expect(world.launcher.submitted).toEqual([]);
  });

  it('refuses a request from a sandboxed page (Origin: null)', async () => {
    const { app } = await localOpsApi();

    const response = await app.inject({ method: 'POST', url: '/v1/types/video/records/a/reindex', headers: { ...local, origin: 'null' } });

    expect(response.statusCode).toBe(403);
  });

  it('refuses a cross-site request a browser sends without an Origin', async () => {
    const { app } = await localOpsApi();

    const response = await app.inject({ method: 'GET', url: '/v1/types', headers: { ...local, 'sec-fetch-site': 'cross-site' } });

    expect(response.statusCode).toBe(403);
  });

  it('serves the CLI and curl: a loopback Host and no Origin', async () => {
    const { app } = await localOpsApi();

    const responses = await Promise.all(
      ['127.0.0.1:4562', 'localhost:4562', '[::1]:4562'].map((host) => app.inject({ method: 'POST', url: '/v1/types/video/rollback', headers: { host } })),
    );

    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
  });

  it('serves a page of its own origin', async () => {
    const { app } = await localOpsApi();

    const response = await app.inject({ method: 'GET', url: '/v1/types', headers: { ...local, origin: 'http://127.0.0.1:4562', 'sec-fetch-site': 'same-origin' } });

    expect(response.statusCode).toBe(200);
  });

  it('leaves the API behind API Gateway to IAM: any Host is served there', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types', headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com' } });

    expect(response.statusCode).toBe(200);
  });
});

describe('the local control API refuses what a web page could send', () => {
  function controlApp() {
    const ran: string[][] = [];
    const jobs = { run: (args: readonly string[]) => (ran.push([...args]), { id: 'local-1' }), list: () => [], get: () => undefined } as unknown as LocalJobs;
    const scheduler = { list: () => [], fire: () => (ran.push(['schedule']), true) } as unknown as LocalScheduler;
    const app = buildControlApp({ jobs, scheduler, types: ['video'], commands: ['rebuild', 'audit'], log: { info() {}, error() {} } });
    return { app, ran };
  }

  it('refuses a job started from a foreign page, and runs nothing', async () => {
    const { app, ran } = controlApp();

    const response = await app.inject({ method: 'POST', url: '/local/v1/jobs', headers: { ...local, origin: 'https://evil.example' }, payload: { command: 'rebuild', type: 'video' } });

    expect(response.statusCode).toBe(403);
    expect(ran).toEqual([]);
  });

  it('refuses a schedule fired through a rebound host name, and fires nothing', async () => {
    const { app, ran } = controlApp();

    const response = await app.inject({ method: 'POST', url: '/local/v1/schedules/Nightly/run', headers: { host: 'rebound.example:4563' } });

    expect(response.statusCode).toBe(403);
    expect(ran).toEqual([]);
  });

  it('starts a job the CLI asks for', async () => {
    const { app, ran } = controlApp();

    const response = await app.inject({ method: 'POST', url: '/local/v1/jobs', headers: local, payload: { command: 'audit', type: 'video' } });

    expect(response.statusCode).toBe(202);
    expect(ran).toEqual([['audit', '--type', 'video']]);
  });
});
