/**
 * Source versions. A change event's `version`, and what a type's `version(doc)` returns, become
 * one comparable number, or are refused with the reason. Accepted (see docs/change-events.md):
 *
 * - a non-negative safe integer (0 … 2^53 − 1): a revision counter, epoch milliseconds or
 *   microseconds;
 * - a decimal string of one (`"17"`; no sign, no leading zeros, no spaces, no exponent);
 * - an RFC 3339 date-time with seconds and an offset (`2026-11-21T10:00:00Z`,
 *   `2026-11-21T12:00:00.123456+02:00`), from 1970 on. It becomes epoch milliseconds: digits past
 *   the millisecond are dropped, never rounded, so a later instant never sorts before an earlier one;
 * - from `version(doc)` also a `bigint` in the safe range and a valid `Date` from 1970 on.
 *
 * Anything else is refused, never guessed at: `Date.parse` reads `"yesterday-ish"`-like strings
 * differently on every engine, a date without a time makes every edit of one day equal, and an
 * integer past 2^53 has already lost its last digits.
 */
import { z } from 'zod';

export type VersionLike = number | bigint | string | Date;

/** The outcome of {@link normalizeVersion}: the comparable number, or why there is none. */
export type NormalizedVersion = { ok: true; version: number } | { ok: false; reason: string };

/** A decimal string of a non-negative integer, without sign or leading zeros (at most 16 digits). */
export const DECIMAL_VERSION = /^(?:0|[1-9][0-9]{0,15})$/;

/** RFC 3339 date-times with seconds and an offset (Z or ±hh:mm), as zod checks them. */
const dateTime = z.iso.datetime({ offset: true });

/**
 * The shape of a valid version, for the published JSON Schema. {@link normalizeVersion} is the
 * rule; it also refuses what a JSON Schema cannot say: a 16-digit string past 2^53 − 1 and a
 * date-time before 1970.
 */
export const versionShape = z.union([
  z.int().min(0).describe('A non-negative safe integer (a counter, epoch milliseconds or microseconds).'),
  z.string().regex(DECIMAL_VERSION).describe('A decimal string of a non-negative safe integer.'),
  dateTime.describe('An RFC 3339 date-time with seconds and an offset, from 1970 on.'),
]);

const EXPECTED = 'expected a non-negative safe integer, a decimal string of one, or an ISO-8601 date-time with offset (e.g. 17, "17", "2026-11-21T10:00:00Z")';

/**
 * Normalises a version to a non-negative safe integer, or explains why it cannot. The reason
 * names the value, not the field: callers say which field it came from.
 *
 * @example
 * normalizeVersion('2026-11-21T10:00:00.123456Z'); // { ok: true, version: 1795255200123 }
 * normalizeVersion('abc'); // { ok: false, reason: '"abc" is not a version: expected …' }
 */
export function normalizeVersion(value: unknown): NormalizedVersion {
  if (typeof value === 'number') return fromNumber(value, String(value));
  if (typeof value === 'bigint') {
    return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? { ok: true, version: Number(value) } : fromNumber(Number(value), `${value}n`);
  }
  if (value instanceof Date) {
    const time = value.getTime();
    if (!Number.isFinite(time)) return refuse('an invalid Date is not a version');
    return time >= 0 ? { ok: true, version: time } : refuse(`${value.toISOString()} is before 1970-01-01T00:00:00Z`);
  }
  if (typeof value === 'string') return fromString(value);
  return refuse(`${describe(value)} is not a version: ${EXPECTED}`);
}

function fromNumber(value: number, shown: string): NormalizedVersion {
  if (!Number.isFinite(value)) return refuse(`${shown} is not a finite number`);
  if (value < 0) return refuse(`${shown} is negative`);
  if (!Number.isInteger(value)) return refuse(`${shown} is not an integer: send whole milliseconds, microseconds or a counter`);
  if (!Number.isSafeInteger(value)) return refuse(pastSafe(shown));
  return { ok: true, version: value === 0 ? 0 : value };
}

function fromString(value: string): NormalizedVersion {
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (DECIMAL_VERSION.test(value)) return fromNumber(Number(value), shown);
  if (/^[0-9]+$/.test(value)) {
    return value.startsWith('0') ? refuse(`${shown} has leading zeros`) : refuse(pastSafe(shown));
  }
  if (dateTime.safeParse(value).success) {
    // Exactly three fraction digits: ECMAScript's own date-time format, read the same by every engine.
    const time = Date.parse(value.replace(/\.(\d+)/, (_, fraction: string) => `.${`${fraction}00`.slice(0, 3)}`));
    if (time >= 0) return { ok: true, version: time };
    if (time < 0) return refuse(`${shown} is before 1970-01-01T00:00:00Z`);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return refuse(`${shown} is a date without a time, so every edit of that day would have one version: send a date-time with offset, e.g. ${value}T10:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return refuse(`${shown} has no offset (Z or ±hh:mm), so its instant would depend on the reader's time zone`);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return refuse(`${shown} is not a valid date-time (RFC 3339, with seconds and an offset, e.g. 2026-11-21T10:00:00Z)`);
  if (/^[+-]?\d+(\.\d*)?(e[+-]?\d+)?$/i.test(value.trim())) return refuse(`${shown} is not a plain decimal integer (no sign, leading zeros, spaces, fraction or exponent)`);
  return refuse(`${shown} is not a version: ${EXPECTED}`);
}

function pastSafe(shown: string): string {
  return `${shown} is past 2^53 - 1 (${Number.MAX_SAFE_INTEGER}), where numbers lose digits: send milliseconds, microseconds or a counter`;
}

function refuse(reason: string): NormalizedVersion {
  return { ok: false, reason };
}

function describe(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
