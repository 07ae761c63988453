/**
 * The DynamoDB key layout, built here and nowhere else (the reader and the tests use it too).
 *
 * Index table (`pk` S, `sk` S): a generation's records are spread over `BUCKETS` partitions by a
 * stable hash of the id, so one generation is read with one Query per bucket and dropped without
 * reading any other generation or type, and a load or a burst of changes spreads over 64
 * partitions (1,000 write units/s each):
 *
 * - record:       `pk = ${type}#${generation}#${bucket}`, `sk = id`
 *
 * Control table (`pk` S, `sk` S):
 *
 * - pointer:      `pk = type`, `sk = "pointer"`
 * - catch-up log: `pk = ${type}#catchup#${generation}#${bucket}`, `sk = id` (bucketed like the records)
 */
import { bucketOf } from '../../core/buckets.ts';
import type { Generation } from '../../core/records.ts';

/** A primary key of either table (a type alias, so it fits the SDK's `Record<string, unknown>` keys). */
export type ItemKey = { pk: string; sk: string };

/** The partition holding bucket `bucket` of a generation's records. */
export function recordPartition(type: string, generation: Generation, bucket: number): string {
  return `${type}#${generation}#${bucket}`;
}

/** The key of one record. */
export function recordKey(type: string, generation: Generation, id: string): ItemKey {
  return { pk: recordPartition(type, generation, bucketOf(id)), sk: id };
}

/** The key of a type's pointer. */
export function pointerKey(type: string): ItemKey {
  return { pk: type, sk: 'pointer' };
}

/** The partition holding bucket `bucket` of a generation's catch-up log. */
export function catchUpPartition(type: string, generation: Generation, bucket: number): string {
  return `${type}#catchup#${generation}#${bucket}`;
}

/** The key of one logged id. */
export function catchUpKey(type: string, generation: Generation, id: string): ItemKey {
  return { pk: catchUpPartition(type, generation, bucketOf(id)), sk: id };
}
