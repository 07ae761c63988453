/**
 * Source versions. A type's `version(doc)` may return a number (a revision counter, epoch
 * milliseconds) or a timestamp (Date or ISO-8601 string); both become one comparable number.
 */
export type VersionLike = number | bigint | string | Date;

/** Normalises a version to a finite, non-negative number, or explains why it cannot. */
export function normalizeVersion(value: unknown): { ok: true; version: number } | { ok: false; reason: string } {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0
      ? { ok: true, version: value }
      : { ok: false, reason: `version must be a finite number >= 0, got ${value}` };
  }
  if (typeof value === 'bigint') return normalizeVersion(Number(value));
  if (value instanceof Date) return normalizeVersion(value.getTime());
  if (typeof value === 'string' && value.trim() !== '') {
    const asNumber = Number(value);
    if (Number.isFinite(asNumber)) return normalizeVersion(asNumber);
    const asDate = Date.parse(value);
    if (Number.isFinite(asDate)) return normalizeVersion(asDate);
  }
  return { ok: false, reason: `version must be a number or a timestamp, got ${JSON.stringify(value) ?? String(value)}` };
}
