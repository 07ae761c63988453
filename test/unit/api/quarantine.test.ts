import { describe, expect, it } from 'vitest';
import { apiWorld } from './support.ts';

const entry = { type: 'video', id: 'a', since: 1_700_000_000_000, differences: 3, lastDifference: 'content differs', cleanChecks: 0 };

describe('GET /v1/types/:type/quarantine', () => {
  it('lists the quarantined resources of the type', async () => {
    const world = await apiWorld();
    await world.quarantine.add(entry);

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/quarantine' });

    expect(response.json()).toEqual({ type: 'video', count: 1, items: [{ ...entry, since: '2023-11-14T22:13:20.000Z' }] });
  });

  it('answers 404 for an undeclared type', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/podcast/quarantine' });

    expect(response.statusCode).toBe(404);
  });
});

describe('DELETE /v1/types/:type/quarantine/:id', () => {
  it("releases the resource and restarts the checker's counters", async () => {
    const world = await apiWorld();
    await world.quarantine.add(entry);
    await world.counters.recordDifference('video', 'a', { at: 0, summary: 'x' }, 1);

    const response = await world.app.inject({ method: 'DELETE', url: '/v1/types/video/quarantine/a' });

    expect(response.json()).toEqual({ type: 'video', id: 'a', released: true });
    expect(await world.quarantine.get('video', 'a')).toBeUndefined();
    expect(await world.counters.get('video', 'a')).toBeUndefined();
  });

  it('answers 404 for a resource that is not quarantined', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'DELETE', url: '/v1/types/video/quarantine/a' });

    expect(response.statusCode).toBe(404);
    expect(response.json().detail).toBe('quarantined resource video/a not found');
  });

  it('answers 404 for an undeclared type', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'DELETE', url: '/v1/types/podcast/quarantine/a' });

    expect(response.statusCode).toBe(404);
  });
});
