/**
 * The contract of the checker's difference counters, on DynamoDB, Redis and in memory
 * (support/backends.ts). Concurrent updates: test/integration/verify/checks-concurrency.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DIFFERENCE_SUMMARY, RECENT_DIFFERENCES } from '../../../lambdas/core/verify/ports.ts';
import { eachBackend, useBackend } from './support/backends.ts';

describe.each(eachBackend)('difference counters contract: %s', (_name, start) => {
  const env = useBackend(start);

  it('has no counters for a resource that never differed', async () => {
    expect(await env.ports.differences.get('video', 'a')).toBeUndefined();
  });

  it('counts differences in a row with the pending re-check and what was seen', async () => {
    const { differences } = env.ports;
    await differences.recordDifference('video', 'a', { at: 1, summary: 'title differs' }, 100);

    const second = await differences.recordDifference('video', 'a', { at: 2, summary: 'tags differ' }, 200);

    const expected = { differences: 2, cleanChecks: 0, recent: [{ at: 1, summary: 'title differs' }, { at: 2, summary: 'tags differ' }], nextCheckAt: 200 };
    expect(second).toEqual(expected);
    expect(await differences.get('video', 'a')).toEqual(expected);
  });

  it('keeps only the most recent differences, oldest first', async () => {
    const { differences } = env.ports;
    for (let i = 0; i < RECENT_DIFFERENCES + 2; i++) await differences.recordDifference('video', 'b', { at: i, summary: `d${i}` }, 100);

    const recent = (await differences.get('video', 'b'))?.recent ?? [];

    expect(recent.map((seen) => seen.summary)).toEqual(Array.from({ length: RECENT_DIFFERENCES }, (_, i) => `d${i + 2}`));
  });

  it('keeps a bounded part of a long summary', async () => {
    const counters = await env.ports.differences.recordDifference('video', 'a', { at: 1, summary: 'x'.repeat(MAX_DIFFERENCE_SUMMARY * 3) }, 100);

    expect(counters.recent[0]?.summary).toBe('x'.repeat(MAX_DIFFERENCE_SUMMARY));
  });

  it('restarts the difference streak on a clean check and the clean streak on a difference', async () => {
    const { differences } = env.ports;
    await differences.recordDifference('video', 'c', { at: 1, summary: 'x' }, 100);
    await differences.recordClean('video', 'c', 200);
    const afterClean = await differences.recordClean('video', 'c');

    await differences.recordDifference('video', 'c', { at: 2, summary: 'y' }, 300);

    expect(afterClean).toEqual({ differences: 0, cleanChecks: 2, recent: [{ at: 1, summary: 'x' }] });
    expect(await differences.get('video', 'c')).toMatchObject({ differences: 1, cleanChecks: 0, nextCheckAt: 300 });
  });

  it('counts a clean check of a resource that never differed', async () => {
    expect(await env.ports.differences.recordClean('video', 'fresh', 500)).toEqual({ differences: 0, cleanChecks: 1, recent: [], nextCheckAt: 500 });
  });

  it('forgets a resource it clears, and only that one', async () => {
    const { differences } = env.ports;
    await differences.recordDifference('video', 'd', { at: 1, summary: 'x' }, 100);
    await differences.recordDifference('article', 'd', { at: 1, summary: 'x' }, 100);

    await differences.clear('video', 'd');

    expect(await differences.get('video', 'd')).toBeUndefined();
    expect((await differences.get('article', 'd'))?.differences).toBe(1);
    expect((await differences.recordDifference('video', 'd', { at: 5, summary: 'again' }, 600)).recent).toEqual([{ at: 5, summary: 'again' }]);
  });
});
