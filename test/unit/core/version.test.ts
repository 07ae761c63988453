/**
 * Strict versions (issue 8, point 3): what a producer's `version` and a type's `version(doc)` may
 * be, and what becomes of it.
 */
import { describe, expect, it } from 'vitest';
import { normalizeVersion } from '../../../lambdas/core/version.ts';

const accepted = (value: unknown) => {
  const result = normalizeVersion(value);
  if (!result.ok) throw new Error(`expected ${String(value)} to be accepted, got: ${result.reason}`);
  return result.version;
};
const reasonFor = (value: unknown) => {
  const result = normalizeVersion(value);
  if (result.ok) throw new Error(`expected ${String(value)} to be refused, got version ${result.version}`);
  return result.reason;
};

describe('normalizeVersion', () => {
  it('accepts a non-negative safe integer as it is', () => {
    expect([0, 17, 1_795_255_200_123, Number.MAX_SAFE_INTEGER].map(accepted)).toEqual([0, 17, 1_795_255_200_123, Number.MAX_SAFE_INTEGER]);
  });

  it('accepts a decimal string of a safe integer as that integer', () => {
    expect(['0', '17', '9007199254740991'].map(accepted)).toEqual([0, 17, Number.MAX_SAFE_INTEGER]);
  });

  it('reads a date-time with Z or an offset as epoch milliseconds', () => {
    expect(accepted('2026-11-21T10:00:00Z')).toBe(Date.UTC(2026, 10, 21, 10));
    expect(accepted('2026-11-21T12:00:00+02:00')).toBe(Date.UTC(2026, 10, 21, 10));
    expect(accepted('2026-11-21T10:00:00.5Z')).toBe(Date.UTC(2026, 10, 21, 10, 0, 0, 500));
  });

  it('drops the digits of a microsecond or nanosecond clock past the millisecond, never rounding up', () => {
    expect(accepted('2026-11-21T10:00:00.123456Z')).toBe(Date.UTC(2026, 10, 21, 10, 0, 0, 123));
    expect(accepted('2026-11-21T10:00:00.999999999Z')).toBe(Date.UTC(2026, 10, 21, 10, 0, 0, 999));
  });

  it('accepts a Date and a bigint in range from version(doc)', () => {
    expect(accepted(new Date(Date.UTC(2026, 0, 1)))).toBe(Date.UTC(2026, 0, 1));
    expect(accepted(42n)).toBe(42);
  });

  it('refuses strings that are not versions, whatever Date.parse makes of them', () => {
    for (const value of ['abc', 'yesterday-ish', '', 'Sat, 21 Nov 2026 10:00:00 GMT', 'November 21, 2026', '2026-W47', 'now']) {
      expect(reasonFor(value)).toMatch(/is not a version: expected a non-negative safe integer, a decimal string of one, or an ISO-8601 date-time/);
    }
  });

  it('refuses integers past 2^53 - 1, as numbers, strings and bigints', () => {
    for (const value of [2 ** 53, 2 ** 60, '9007199254740992', '12345678901234567890', 2n ** 60n]) {
      expect(reasonFor(value)).toMatch(/past 2\^53 - 1 \(9007199254740991\)/);
    }
  });

  it('refuses negative, fractional and non-finite numbers, saying which', () => {
    expect(reasonFor(-1)).toBe('-1 is negative');
    expect(reasonFor(1.5)).toMatch(/^1\.5 is not an integer/);
    expect(reasonFor(Number.NaN)).toBe('NaN is not a finite number');
    expect(reasonFor(Number.POSITIVE_INFINITY)).toBe('Infinity is not a finite number');
  });

  it('refuses decimal strings with a sign, leading zeros, spaces, a fraction or an exponent', () => {
    expect(reasonFor('017')).toMatch(/leading zeros/);
    for (const value of ['-1', '+1', ' 17', '17 ', '1.0', '1e3']) expect(reasonFor(value)).toMatch(/not a plain decimal integer/);
  });

  it('refuses a date without a time, and a date-time without an offset', () => {
    expect(reasonFor('2026-11-21')).toMatch(/date without a time/);
    expect(reasonFor('2026-11-21T10:00:00')).toMatch(/has no offset/);
    expect(reasonFor('2026-11-21T10:00Z')).toMatch(/not a valid date-time/);
    expect(reasonFor('2026-02-30T10:00:00Z')).toMatch(/not a valid date-time/);
  });

  it('refuses instants before 1970', () => {
    expect(reasonFor('1969-12-31T23:59:59Z')).toMatch(/before 1970/);
    expect(reasonFor(new Date(-1))).toMatch(/before 1970/);
  });

  it('refuses other kinds of value, naming the kind', () => {
    expect(reasonFor(undefined)).toMatch(/^undefined is not a version/);
    expect(reasonFor(null)).toMatch(/^null is not a version/);
    expect(reasonFor(true)).toMatch(/^true is not a version/);
    expect(reasonFor({ v: 1 })).toMatch(/^an object is not a version/);
    expect(reasonFor([1])).toMatch(/^an array is not a version/);
    expect(reasonFor(new Date('never'))).toBe('an invalid Date is not a version');
  });
});
