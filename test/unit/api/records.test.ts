import { describe, expect, it } from 'vitest';
import { apiWorld, indexed } from './support.ts';

describe('GET /v1/types/:type/records/:id', () => {
  it('shows a record that agrees with its source as equal', async () => {
    const world = await apiWorld([{ id: 'a', title: 'A', version: 1 }]);
    indexed(world, 'a', { title: 'A' });

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/records/a' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      generation: 1,
      index: { version: 1, deleted: false, record: { title: 'A' } },
      expected: { found: true, version: 1, record: { title: 'A' } },
      comparison: { equal: true, difference: null },
      quarantine: null,
    });
  });

  it('shows how a drifted record differs from transform(source)', async () => {
    const world = await apiWorld([{ id: 'a', title: 'Right', version: 2 }]);
    indexed(world, 'a', { title: 'Wrong' });

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/records/a' });

    expect(response.json().comparison).toMatchObject({ equal: false, difference: { kind: 'content', indexVersion: 1, sourceVersion: 2 } });
  });

  it('shows a resource the index lacks as missing', async () => {
    const world = await apiWorld([{ id: 'a', title: 'A', version: 1 }]);

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/records/a' });

    expect(response.json()).toMatchObject({ index: null, comparison: { equal: false, difference: { kind: 'missing' } } });
  });

  it('shows the quarantine entry of a quarantined resource', async () => {
    const world = await apiWorld([{ id: 'a', title: 'A', version: 1 }]);
    indexed(world, 'a', { title: 'A' });
    await world.quarantine.add({ type: 'video', id: 'a', since: 0, differences: 3, lastDifference: 'content differs', cleanChecks: 1 });

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/records/a' });

    expect(response.json().quarantine).toEqual({ type: 'video', id: 'a', since: '1970-01-01T00:00:00.000Z', differences: 3, lastDifference: 'content differs', cleanChecks: 1 });
  });

  it('reports a transform that rejects the source document', async () => {
    const world = await apiWorld([{ id: 'a', title: 'A', version: 'not a version' }]);
    indexed(world, 'a', { title: 'A' });

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/records/a' });

    expect(response.json()).toMatchObject({ expected: { found: true, transformError: expect.stringContaining('rejected the document') }, comparison: { equal: false } });
  });

  it('answers 404 when neither the index nor the source knows the resource', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/records/ghost' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ title: 'Not found', detail: 'resource video/ghost not found', instance: '/v1/types/video/records/ghost' });
  });

  it('answers 404 for a record of an undeclared type', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/podcast/records/a' });

    expect(response.statusCode).toBe(404);
  });

  it('answers 400 naming the field for an id longer than 512 characters', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: `/v1/types/video/records/${'x'.repeat(513)}` });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('params.id');
  });
});

describe('POST /v1/types/:type/records/:id/reindex', () => {
  it("writes the source's current document into the index", async () => {
    const world = await apiWorld([{ id: 'a', title: 'New', version: 2 }]);
    indexed(world, 'a', { title: 'Old' });

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/records/a/reindex' });

    expect(response.json()).toEqual({ type: 'video', id: 'a', outcome: 'applied', op: 'upsert', version: 2 });
    expect(world.index.stored('video', 'a')?.record).toEqual({ title: 'New' });
  });

  it('deletes a resource the source no longer has', async () => {
    const world = await apiWorld();
    indexed(world, 'a', { title: 'Old' }, 4);

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/records/a/reindex' });

    expect(response.json()).toMatchObject({ outcome: 'applied', op: 'delete', version: 4 });
    expect(world.index.stored('video', 'a')?.deleted).toBe(true);
  });

  it('answers 404 and writes nothing for an id neither the source nor the index knows', async () => {
    const world = await apiWorld();
    world.index.pointers.set('video', { type: 'video', active: 2, building: { generation: 3, buildId: 'b', startedAt: 0 }, nextGeneration: 4, revision: 3, updatedAt: 0 });

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/records/no-such-id/reindex' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ title: 'Not found', detail: 'resource video/no-such-id not found' });
    expect([world.index.records.size, world.index.writes]).toEqual([0, 0]);
    expect(world.catchUp.loggedIds()).toEqual([]);
  });

  it('answers 404 without creating the pointer of a type never indexed', async () => {
    const world = await apiWorld();
    world.index.pointers.delete('video');

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/records/no-such-id/reindex' });

    expect(response.statusCode).toBe(404);
    expect(world.index.pointers.get('video')).toBeUndefined();
  });

  it('deletes a resource the source no longer has when only the building generation holds it', async () => {
    const world = await apiWorld();
    world.index.pointers.set('video', { type: 'video', active: 2, building: { generation: 3, buildId: 'b', startedAt: 0 }, nextGeneration: 4, revision: 3, updatedAt: 0 });
    indexed(world, 'a', { title: 'Old' }, 4, 3);

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/records/a/reindex' });

    expect(response.json()).toMatchObject({ outcome: 'applied', op: 'delete', version: 4 });
    expect(world.index.stored('video', 'a', 3)?.deleted).toBe(true);
  });

  it('answers 422 with the reason when the transform rejects the document', async () => {
    const world = await apiWorld([{ id: 'a', title: 'A', version: 'never' }]);

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/records/a/reindex' });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ title: 'The source document cannot be indexed', detail: expect.stringContaining('video/a') });
  });

  it('answers 404 for an undeclared type', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/podcast/records/a/reindex' });

    expect(response.statusCode).toBe(404);
  });
});
