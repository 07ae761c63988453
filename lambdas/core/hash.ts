import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

/**
 * The content hash of an index record: SHA-256 over its canonical JSON (keys sorted), so two
 * records with the same content hash the same whatever the order of their keys.
 */
export function contentHash(record: unknown): string {
  const canonical = stringify(record) ?? 'undefined';
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 32);
}
