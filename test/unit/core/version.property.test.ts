/**
 * Properties of version parsing (issue 8): the accepted forms round-trip, the order of instants
 * survives any clock precision, everything else is refused with a reason, and the published JSON
 * Schema accepts every version the code accepts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidChangeError } from '../../../lambdas/core/errors.ts';
import { parseChangeEvent } from '../../../lambdas/core/events.ts';
import { normalizeVersion, versionShape } from '../../../lambdas/core/version.ts';

const MAX = Number.MAX_SAFE_INTEGER;
/** Instants from 1970 to late 9999 (a day short, so any offset stays within year 9999), in milliseconds. */
const instant = fc.integer({ min: 0, max: Date.UTC(9999, 11, 30, 23, 59, 59, 999) });
/** An offset in minutes, as RFC 3339 writes them (±hh:mm, hours below 24). */
const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });

/** `ms` written in local time at `offset` minutes from UTC, with `extra` digits after the milliseconds. */
function rfc3339(ms: number, offset: number, extra: string): string {
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  if (offset === 0) return `${local}${extra}Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${extra}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const versionOf = (value: unknown) => {
  const result = normalizeVersion(value);
  return result.ok ? result.version : undefined;
};

describe('version parsing, for any input', () => {
  it('keeps every non-negative safe integer, as a number or its decimal string', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), (n) => {
        expect(versionOf(n)).toBe(n);
        expect(versionOf(String(n))).toBe(n);
        expect(versionOf(BigInt(n))).toBe(n);
      }),
    );
  });

  it('refuses every integer past 2^53 - 1, whatever its form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(MAX) + 1n, max: 2n ** 80n }), (n) => {
        for (const value of [n, n.toString(), Number(n)]) {
          const result = normalizeVersion(value);
          expect(result.ok).toBe(false);
          expect(result.ok ? '' : result.reason).toMatch(/past 2\^53 - 1/);
        }
      }),
    );
  });

  it('reads any date-time at any offset as its instant, to the millisecond', () => {
    fc.assert(
      fc.property(instant, offsetMinutes, fc.stringMatching(/^\d{0,6}$/), (ms, offset, extra) => {
        expect(versionOf(rfc3339(ms, offset, extra))).toBe(ms);
        expect(versionOf(new Date(ms))).toBe(ms);
      }),
    );
  });

  it('never puts a later instant before an earlier one, whatever the clock precision', () => {
    const nanos = fc.bigInt({ min: 0n, max: 253_402_214_399_999_999_999n });
    fc.assert(
      fc.property(nanos, nanos, offsetMinutes, (a, b, offset) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const write = (ns: bigint) => rfc3339(Number(ns / 1_000_000n), offset, (ns % 1_000_000n).toString().padStart(6, '0'));
        expect(versionOf(write(early))).toBeLessThanOrEqual(versionOf(write(late)) as number);
      }),
    );
  });

  it('refuses with a reason naming the value whatever is not a version', () => {
    const notVersions = fc.oneof(
      fc.string().filter((s) => versionShape.safeParse(s).error !== undefined),
      fc.double().filter((d) => !Number.isSafeInteger(d) || d < 0),
      fc.constantFrom(null, undefined, true, false),
      fc.object(),
      fc.array(fc.integer()),
    );
    fc.assert(
      fc.property(notVersions, (value) => {
        const result = normalizeVersion(value);
        expect(result.ok).toBe(false);
        expect(result.ok ? '' : result.reason).not.toBe('');
      }),
    );
  });

  it('accepts nothing the published JSON Schema refuses', () => {
    const anything = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[0-9]{1,20}$/),
      fc.tuple(instant, offsetMinutes, fc.stringMatching(/^\d{0,6}$/)).map(([ms, offset, extra]) => rfc3339(ms, offset, extra)),
      fc.double(),
      fc.integer({ min: -10, max: MAX }),
    );
    fc.assert(
      fc.property(anything, (value) => {
        if (normalizeVersion(value).ok) expect(versionShape.safeParse(value).success).toBe(true);
      }),
    );
  });

  it('rejects a change event with a bad version, naming the field, for any op', () => {
    const bad = fc.oneof(fc.string().filter((s) => !normalizeVersion(s).ok), fc.double().filter((d) => !normalizeVersion(d).ok));
    fc.assert(
      fc.property(bad, fc.constantFrom('upsert', 'delete'), (version, op) => {
        expect(() => parseChangeEvent({ type: 'video', id: 'v1', op, version })).toThrow(InvalidChangeError);
        expect(() => parseChangeEvent({ type: 'video', id: 'v1', op, version })).toThrow(/^invalid change event: version: /);
      }),
    );
  });
});
