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

/**
 * The hash stored on a record: its content hash, and for a type with an `embed` step the start
 * of its embedding key after a dot, so a change of the embedded text or of the model rewrites the
 * record (and its vector) even when the record's content is unchanged.
 */
export function recordHash(record: unknown, embeddingKey?: string): string {
  const content = contentHash(record);
  return embeddingKey === undefined ? content : `${content}.${embeddingKey.slice(0, 16)}`;
}

/** The embedding part of a stored hash (see `recordHash`), if any. */
export function embeddingPartOf(hash: string): string | undefined {
  const dot = hash.indexOf('.');
  return dot < 0 ? undefined : hash.slice(dot + 1);
}
