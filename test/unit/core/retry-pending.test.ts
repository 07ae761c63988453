import { describe, expect, it } from 'vitest';
import { retryPending } from '../../../lambdas/core/backoff.ts';

describe('retryPending', () => {
  it('never tries again when no time is left, even when the jittered wait and the call both round to 0 ms', async () => {
    // Prepare: a call that leaves its item pending and takes under a millisecond.
    let calls = 0;
    const call = async (pending: readonly string[]) => {
      calls++;
      return [...pending];
    };

    // Act
    const left = await retryPending(['a'], call, { remainingMs: () => 0, random: () => 0, sleep: async () => {} });

    // Assess
    expect(calls).toBe(1);
    expect(left).toEqual(['a']);
  });

  it('tries again while the time left covers the wait and the longest call so far', async () => {
    let calls = 0;
    const call = async (pending: readonly string[]) => (++calls < 3 ? [...pending] : []);

    const left = await retryPending(['a'], call, { remainingMs: () => 10_000, random: () => 0.5, sleep: async () => {} });

    expect(calls).toBe(3);
    expect(left).toEqual([]);
  });
});
