import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../lambdas/core/audit/report.ts';
import type { BuildRecord } from '../../../lambdas/core/rebuild/report.ts';
import { apiWorld, indexed } from './support.ts';

const finished: BuildRecord = {
  type: 'video',
  buildId: 'b1',
  holder: 'job-1',
  status: 'succeeded',
  phase: 'done',
  generation: 2,
  startedAt: 1_700_000_000_000,
  updatedAt: 1_700_000_060_000,
  finishedAt: 1_700_000_060_000,
  progress: { done: 3, perSecond: 1 },
  report: {
    type: 'video', buildId: 'b1', outcome: 'succeeded', reasons: [], generation: 2, activeBefore: 1, activeAfter: 2,
    startedAt: 1_700_000_000_000, finishedAt: 1_700_000_060_000, durationMs: 60_000,
    counts: { scanned: 3, loaded: 3, transformErrors: 0, tombstonesCarried: 0, replayed: 0, generation: 3 },
    throughput: { loadPerSecond: 1, overallPerSecond: 1 }, errorSamples: [], retired: [],
  },
};

const audit: AuditReport = {
  type: 'video', generation: 1, startedAt: '2023-11-14T22:00:00.000Z', finishedAt: '2023-11-14T22:01:00.000Z', durationMs: 60_000,
  sourceCount: 5, indexCount: 5, missing: 0, extra: 0, different: 0, transformErrors: 0, repaired: 0, repairsDeferred: 0, repairsRefused: 0,
  alerted: false, samples: { missing: [], extra: [], different: [], transformErrors: [] },
};

describe('GET /v1/types', () => {
  it('lists the status of every declared type', async () => {
    const world = await apiWorld();
    world.index.pointers.set('video', { type: 'video', active: 2, previous: 1, nextGeneration: 3, revision: 3, updatedAt: world.clock.now });
    world.status.builds = [finished];
    world.status.audit = audit;
    await world.quarantine.add({ type: 'video', id: 'q', since: 0, differences: 3, lastDifference: 'x', cleanChecks: 0 });

    const response = await world.app.inject({ method: 'GET', url: '/v1/types' });

    expect(response.statusCode).toBe(200);
    expect(response.json().types).toEqual([
      expect.objectContaining({
        type: 'video',
        indexed: true,
        generations: expect.objectContaining({ active: 2, previous: 1, building: null }),
        records: {
          active: { count: 3, countedBy: 'build', countedAt: '2023-11-14T22:14:20.000Z' },
          previous: { count: 5, countedBy: 'audit', countedAt: '2023-11-14T22:01:00.000Z' },
        },
        lastBuild: expect.objectContaining({ buildId: 'b1', status: 'succeeded' }),
        buildProgress: null,
        lastAudit: expect.objectContaining({ indexCount: 5 }),
        quarantined: 1,
      }),
    ]);
  });
});

describe('GET /v1/types/:type', () => {
  it('shows the building generation and the progress of the running build', async () => {
    const world = await apiWorld();
    world.index.pointers.set('video', { type: 'video', active: 1, building: { generation: 2, buildId: 'b2', startedAt: world.clock.now }, nextGeneration: 3, revision: 2, updatedAt: world.clock.now });
    world.status.builds = [{ ...finished, buildId: 'b2', status: 'running', phase: 'loading', progress: { done: 40, total: 100, perSecond: 20, etaSeconds: 3 } }];

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video' });

    expect(response.json()).toMatchObject({
      generations: { active: 1, building: { generation: 2, buildId: 'b2' } },
      buildProgress: { done: 40, total: 100, perSecond: 20, etaSeconds: 3 },
    });
  });

  it('shows the clean-up after the latest build: its state, its rate and where the rate comes from, what is left', async () => {
    const world = await apiWorld();
    world.index.pointers.set('video', { type: 'video', active: 3, previous: 2, nextGeneration: 4, revision: 5, updatedAt: world.clock.now });
    const cleanup = {
      state: 'deleting' as const, deletesPerSecond: 1_000, rateFrom: 'on-demand: the floor', pending: [1], deletedGenerations: [], deleted: 4_000,
      startedAt: 1_700_000_060_000, updatedAt: 1_700_000_064_000,
    };
    world.status.builds = [{ ...finished, buildId: 'b3', generation: 3, cleanup }];

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video' });

    expect(response.json().cleanup).toEqual({
      ...cleanup, buildId: 'b3', startedAt: '2023-11-14T22:14:20.000Z', updatedAt: '2023-11-14T22:14:24.000Z',
    });
  });

  it('counts the live records of the active generation with count=exact', async () => {
    const world = await apiWorld();
    indexed(world, 'a', { title: 'A' });
    indexed(world, 'b', { title: 'B' });
    world.index.put({ type: 'video', id: 'gone', generation: 1, version: 1, hash: 'tombstone', deleted: true, writtenAt: 0 });

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video?count=exact' });

    expect(response.json().records.active).toMatchObject({ count: 2, countedBy: 'scan' });
  });

  it('says a type without a pointer is not indexed yet', async () => {
    const world = await apiWorld();
    world.index.pointers.delete('video');

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video' });

    expect(response.json()).toMatchObject({ indexed: false, generations: { active: null, previous: null, building: null } });
  });

  it('answers 404 for a type the config does not declare', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/podcast' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not found', detail: 'unknown resource type "podcast"' });
  });

  it('answers 400 naming the field for a malformed type name', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/Video!' });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'params.type', message: expect.stringContaining('must match pattern') }]);
  });

  it('answers 400 naming the field for an unknown count mode', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video?count=roughly' });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('querystring.count');
  });

  it('answers 400 naming an unknown query parameter', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video?verbose=1' });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('querystring.verbose');
  });
});
