import { describe, expect, it } from 'vitest';
import { RecordingMetrics } from '../../../lambdas/adapters/compose/index.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { TypeMetrics } from '../../../lambdas/handlers/metrics.ts';
import { apiWorld } from './support.ts';

interface Series {
  source: string;
  periodSeconds: number;
  points: Array<{ at: string; appliedPerSecond: number; lagP50Ms: number | null; lagP99Ms: number | null }>;
}

describe('GET /v1/types/:type/metrics', () => {
  it('charts the changes applied per second and the lag percentiles the apply handler published', async () => {
    const world = await apiWorld();
    const metrics = new TypeMetrics(new RecordingMetrics(world.metrics, { namespace: 'freshindex', serviceName: 'freshindex-apply' }), 'Apply');
    for (let lag = 1; lag <= 100; lag++) {
      metrics.count('video', 'Applied');
      metrics.add('video', 'FreshnessLag', MetricUnit.Milliseconds, lag);
    }
    metrics.count('video', 'SkippedStale');
    metrics.publish();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/metrics?minutes=15' });

    expect(response.statusCode).toBe(200);
    const series = response.json<Series>();
    expect(series).toMatchObject({ source: 'local', periodSeconds: 10 });
    expect(series.points).toHaveLength(90);
    expect(series.points.at(-1)).toMatchObject({ appliedPerSecond: 10, lagP50Ms: 50, lagP99Ms: 99 });
    expect(series.points.slice(0, -1).every((point) => point.appliedPerSecond === 0 && point.lagP50Ms === null)).toBe(true);
  });

  it('keeps the figures of each period apart as time passes', async () => {
    const world = await apiWorld();
    world.metrics.record('video', 'ApplyApplied', 20);
    world.clock.advance(60_000);
    world.metrics.record('video', 'ApplyApplied', 5);

    const series = (await world.app.inject({ method: 'GET', url: '/v1/types/video/metrics?minutes=2' })).json<Series>();

    expect(series.points).toHaveLength(12);
    expect(series.points.map((point) => point.appliedPerSecond).filter((rate) => rate > 0)).toEqual([2, 0.5]);
  });

  it('answers 400 naming the field for a window outside 1 to 180 minutes', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/metrics?minutes=999' });

    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: Array<{ field: string }> }>().errors[0]?.field).toBe('querystring.minutes');
  });

  it('answers 404 for a type the config does not declare', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/nope/metrics' });

    expect(response.statusCode).toBe(404);
  });
});
