import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/core/errors.ts';
import { fullJitterDelay, parseRetryAfter, withRetries } from '../../../lambdas/adapters/sources/index.ts';

describe('fullJitterDelay', () => {
  it('draws below base · 2^(attempt−1)', () => {
    const delays = [1, 2, 3, 4].map((attempt) => fullJitterDelay(attempt, { baseMs: 100, capMs: 10_000, random: () => 0.999 }));

    expect(delays).toEqual([99, 199, 399, 799]);
  });

  it('never exceeds the cap', () => {
    const delay = fullJitterDelay(20, { baseMs: 100, capMs: 5_000, random: () => 0.999 });

    expect(delay).toBe(4_995);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');

    const wait = parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now);

    expect(wait).toBe(5_000);
  });

  it('ignores a value it cannot read', () => {
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('withRetries', () => {
  it('does not retry a permanent SourceError', async () => {
    let attempts = 0;

    const error = await withRetries(
      async () => {
        attempts++;
        throw new SourceError('refused', { retryable: false });
      },
      { retries: 5, sleep: async () => undefined },
    ).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(SourceError);
    expect(attempts).toBe(1);
  });

  it('retries a retryable SourceError with jittered waits, then succeeds', async () => {
    let attempts = 0;
    const waits: number[] = [];

    const result = await withRetries(
      async () => {
        if (++attempts < 3) throw new SourceError('busy', { retryable: true });
        return 'ok';
      },
      { retries: 5, baseMs: 100, random: () => 0.5, sleep: async (ms) => void waits.push(ms) },
    );

    expect(result).toBe('ok');
    expect(waits).toEqual([50, 100]);
  });
});
