/**
 * How the records of one generation are spread: every id falls in one of `BUCKETS` buckets, by a
 * stable hash. Both stores key a generation's records by bucket (a DynamoDB partition, a Redis
 * hash-tagged key set), so a generation is read and dropped bucket by bucket without touching
 * any other generation or type, and a parallel scan's segments are disjoint sets of buckets.
 */

/**
 * Buckets per generation. Part of both stores' key layouts: changing it moves every record key,
 * so it is a constant, not a setting. 64 buckets take a generation's writes at 64 × 1,000 write
 * units/s on DynamoDB (one partition's limit each), keep a Redis bucket's id set small (10 M
 * records ≈ 156 k ids per set) and let any scan concurrency up to 64 (the config's maximum) get
 * disjoint, non-empty segments. See docs/rebuild.md for the arithmetic.
 */
export const BUCKETS = 64;

const utf8 = new TextEncoder();

/** FNV-1a (32 bit) over the id's UTF-8 bytes: stable across processes, releases and platforms. */
export function bucketOf(id: string): number {
  let hash = 0x811c9dc5;
  // An ASCII id is its own UTF-8: hash its char codes without encoding it (a bulk load hashes every id).
  let ascii = true;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if (code > 0x7f) {
      ascii = false;
      break;
    }
    hash = Math.imul(hash ^ code, 0x01000193) >>> 0;
  }
  if (ascii) return hash % BUCKETS;
  hash = 0x811c9dc5;
  for (const byte of utf8.encode(id)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % BUCKETS;
}

/** The buckets of scan segment `segment` of `totalSegments`: a partition of 0..BUCKETS-1 for any total. */
export function bucketsOfSegment(segment: number, totalSegments: number): number[] {
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || !Number.isInteger(segment) || segment < 0 || segment >= totalSegments) {
    throw new RangeError(`invalid scan segment ${segment} of ${totalSegments}`);
  }
  const buckets: number[] = [];
  for (let bucket = segment; bucket < BUCKETS; bucket += totalSegments) buckets.push(bucket);
  return buckets;
}

/** Groups ids by bucket (first-seen order inside each bucket, duplicates dropped). */
export function groupByBucket(ids: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const id of new Set(ids)) {
    const bucket = bucketOf(id);
    const group = groups.get(bucket);
    if (group) group.push(id);
    else groups.set(bucket, [id]);
  }
  return groups;
}
