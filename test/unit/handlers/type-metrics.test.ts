import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TypeMetrics } from '../../../lambdas/handlers/metrics.ts';

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> };
  type?: string;
  [metric: string]: unknown;
}

/** The EMF lines a real Powertools Metrics prints (POWERTOOLS_DEV sends them to console.log). */
function emfLines(): { metrics: Metrics; lines: EmfLine[] } {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  const lines: EmfLine[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => lines.push(JSON.parse(String(line)) as EmfLine));
  return { metrics: new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-apply' }), lines };
}

describe('the per-type metrics of one invocation', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('publishes every value of a busy type under its type, past the 100 values Powertools flushes at', () => {
    // Prepare: a batch of 250 applied changes of one type, and 3 of another.
    const { metrics, lines } = emfLines();
    const typeMetrics = new TypeMetrics(metrics, 'Apply');
    for (let i = 0; i < 250; i++) {
      typeMetrics.count('video', 'Applied');
      typeMetrics.add('video', 'FreshnessLag', MetricUnit.Milliseconds, i);
    }
    for (let i = 0; i < 3; i++) typeMetrics.count('film', 'Applied');

    // Act
    typeMetrics.publish();

    // Assess: no line without its type; every count and every lag value is there once.
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'type']]);
    const of = (type: string, name: string) => lines.filter((line) => line.type === type).flatMap((line) => (line[name] === undefined ? [] : [line[name]].flat() as number[]));
    expect(of('video', 'ApplyApplied').reduce((sum, value) => sum + value, 0)).toBe(250);
    expect(of('video', 'ApplyFreshnessLag').sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(of('film', 'ApplyApplied')).toEqual([3]);
  });
});
