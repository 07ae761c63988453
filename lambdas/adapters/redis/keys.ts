import { bucketOf } from '../../core/buckets.ts';
import { ConfigError } from '../../core/errors.ts';
import type { Generation } from '../../core/records.ts';

export { BUCKETS, bucketOf, bucketsOfSegment, groupByBucket } from '../../core/buckets.ts';

/**
 * The key layout. Every key starts with the prefix; the part in braces is the Redis Cluster hash
 * tag, so every multi-key command (a guarded write touches a record and its bucket's id set; an
 * MGET reads one bucket) stays inside one slot:
 *
 * - record:        `${prefix}r:{${type}:${generation}:${bucket}}:${id}`  (JSON string)
 * - bucket id set: `${prefix}ids:{${type}:${generation}:${bucket}}`      (SET of the ids of live records)
 * - tombstone set: `${prefix}del:{${type}:${generation}:${bucket}}`      (SET of the ids of tombstones)
 * - pointer:       `${prefix}p:{${type}}`                                (JSON string)
 * - catch-up log:  `${prefix}c:{${type}:${generation}:${bucket}}`        (SET of ids, one per bucket)
 * - quarantine:    `${prefix}q:{${type}}`                                (HASH id → JSON entry)
 */
export class KeyLayout {
  constructor(readonly prefix: string) {
    if (/[{}]/.test(prefix)) throw new ConfigError([`store.keyPrefix "${prefix}" must not contain "{" or "}" (they delimit Redis Cluster hash tags)`]);
  }

  record(type: string, generation: Generation, id: string, bucket = bucketOf(id)): string {
    return `${this.prefix}r:{${type}:${generation}:${bucket}}:${id}`;
  }

  bucketIds(type: string, generation: Generation, bucket: number): string {
    return `${this.prefix}ids:{${type}:${generation}:${bucket}}`;
  }

  bucketTombstones(type: string, generation: Generation, bucket: number): string {
    return `${this.prefix}del:{${type}:${generation}:${bucket}}`;
  }

  pointer(type: string): string {
    return `${this.prefix}p:{${type}}`;
  }

  catchUp(type: string, generation: Generation, bucket: number): string {
    return `${this.prefix}c:{${type}:${generation}:${bucket}}`;
  }

  quarantine(type: string): string {
    return `${this.prefix}q:{${type}}`;
  }
}
