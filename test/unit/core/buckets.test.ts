/**
 * The bucket of an id is part of both stores' key layouts: it must never change between releases
 * (or a generation written before an upgrade could not be read after it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf } from '../../../lambdas/core/buckets.ts';

/** FNV-1a (32 bit) over the UTF-8 bytes, written plainly: the definition the buckets follow. */
function reference(id: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(id, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % BUCKETS;
}

describe('bucketOf', () => {
  it('keeps the buckets of published FNV-1a test vectors', () => {
    // FNV-1a 32: "" 0x811c9dc5, "a" 0xe40c292c, "foobar" 0xbf9cf968.
    expect([bucketOf(''), bucketOf('a'), bucketOf('foobar')]).toEqual([0x811c9dc5 % 64, 0xe40c292c % 64, 0xbf9cf968 % 64]);
  });

  it('hashes the UTF-8 bytes of any id, ASCII or not', () => {
    expect(bucketOf('vidéo-ß')).toBe(reference('vidéo-ß'));
    expect(bucketOf('😀 emoji')).toBe(reference('😀 emoji'));
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (id) => bucketOf(id) === reference(id)), { numRuns: 2_000 });
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (id) => bucketOf(id) === reference(id)), { numRuns: 2_000 });
  });
});
