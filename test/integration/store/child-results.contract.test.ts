/**
 * The contract of the child result store (a split load's children leave their results for the
 * parent), on DynamoDB, Redis and in memory (support/backends.ts).
 */
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../../lambdas/core/rebuild/index.ts';
import { eachBackend, useBackend } from './support/backends.ts';

const result = (loaded: number, sample: string[] = []): LoadResult => ({
  scanned: loaded + 1,
  loaded,
  transformErrors: 1,
  errorSamples: ['bad: no title'],
  sample,
  durationMs: 120,
});

describe.each(eachBackend)('child result store contract: %s', (_name, start) => {
  const env = useBackend(start);

  it('hands back every child result of a build, by child index', async () => {
    // Prepare
    const { childResults } = env.ports;
    await childResults.save('video', 'b1', 0, result(10, ['v1', 'v2']));
    await childResults.save('video', 'b1', 1, result(12, ['v3']));

    // Act
    const results = await childResults.list('video', 'b1');

    // Assess
    expect(Object.fromEntries(results)).toEqual({ 0: result(10, ['v1', 'v2']), 1: result(12, ['v3']) });
  });

  it('keeps the last result of a child run again', async () => {
    const { childResults } = env.ports;
    await childResults.save('video', 'b1', 0, result(3));
    await childResults.save('video', 'b1', 0, result(10));

    expect(Object.fromEntries(await childResults.list('video', 'b1'))).toEqual({ 0: result(10) });
  });

  it('keeps the results of other builds and types apart', async () => {
    const { childResults } = env.ports;
    await childResults.save('video', 'b1', 0, result(1));
    await childResults.save('video', 'b10', 0, result(2));
    await childResults.save('article', 'b1', 1, result(3));

    expect(Object.fromEntries(await childResults.list('video', 'b1'))).toEqual({ 0: result(1) });
    expect((await childResults.list('video', 'b2')).size).toBe(0);
  });
});
