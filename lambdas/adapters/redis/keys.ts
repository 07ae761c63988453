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
 *
 * The control plane (control.ts) keeps every key of a type under the tag `{type}` too, so a
 * Redis deployment needs no DynamoDB control table.
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

  /** The keys of the control plane: leases, builds, retirements, reservations, checks, audits. */
  get control(): ControlKeys {
    return new ControlKeys(this.prefix);
  }
}

/** The control plane's keys, every one of a type under the hash tag `{type}`. See docs/redis.md. */
export class ControlKeys {
  constructor(readonly prefix: string) {}

  /** HASH: buildId, holder, acquiredAt, expiresAt. */
  lease(type: string): string {
    return `${this.prefix}l:{${type}}`;
  }

  /** STRING: one build record (JSON), expiring 90 days after it started. */
  build(type: string, buildId: string): string {
    return `${this.prefix}b:{${type}}:${buildId}`;
  }

  /** STRING: the type's latest build record (JSON). */
  latestBuild(type: string): string {
    return `${this.prefix}bl:{${type}}`;
  }

  /** ZSET (all scores 0, ordered by build id): the type's build ids. */
  builds(type: string): string {
    return `${this.prefix}bi:{${type}}`;
  }

  /** HASH: `generation` or `generation#log` → retirement note (JSON). */
  retirements(type: string): string {
    return `${this.prefix}rt:{${type}}`;
  }

  /** STRING: the generation below which every generation has a note. */
  swept(type: string): string {
    return `${this.prefix}sw:{${type}}`;
  }

  /** HASH: child index → the child's load result (JSON), of one split build, expiring after a week. */
  childResults(type: string, buildId: string): string {
    return `${this.prefix}cr:{${type}}:${buildId}`;
  }

  /** HASH: id, reservedAt, expiresAt, requestedBy, jobId. */
  reservation(type: string): string {
    return `${this.prefix}rv:{${type}}`;
  }

  /** HASH: differences, cleanChecks, nextCheckAt of one resource. */
  checks(type: string, id: string): string {
    return `${this.prefix}d:{${type}}:${id}`;
  }

  /** LIST: the resource's last differences (JSON), oldest first. */
  recentDifferences(type: string, id: string): string {
    return `${this.prefix}dr:{${type}}:${id}`;
  }

  /** STRING: the type's latest audit report (JSON). */
  latestAudit(type: string): string {
    return `${this.prefix}al:{${type}}`;
  }

  /** STRING: one audit report (JSON), expiring 90 days after it finished. */
  audit(type: string, finishedAt: string): string {
    return `${this.prefix}a:{${type}}:${finishedAt}`;
  }

  /** ZSET (all scores 0, ordered by finish time): the type's audit runs. */
  audits(type: string): string {
    return `${this.prefix}ai:{${type}}`;
  }
}
