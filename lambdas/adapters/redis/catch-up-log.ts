import { BUCKETS, groupByBucket } from '../../core/buckets.ts';
import type { CatchUpLog } from '../../core/ports.ts';
import type { Generation } from '../../core/records.ts';
import { pipelineResults, redisCall } from './errors.ts';
import type { KeyLayout } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/** A week, as for the DynamoDB log: long enough for any build, short enough to clean up an abandoned one. */
const LOG_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The catch-up log on Redis: one SET of ids per type, generation and bucket
 * (`${prefix}c:{type:generation:bucket}`, 64 per generation, each its own cluster slot), so a burst
 * of changes spreads over the cluster instead of queueing on one key. Read with SSCAN. Each
 * `record` pushes the sets' expiry a week ahead, in case a build is abandoned without clean-up.
 */
export class RedisCatchUpLog implements CatchUpLog {
  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: KeyLayout,
    private readonly pageSize = 500,
  ) {}

  async record(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const context = { type, generation };
    const pipeline = this.client.pipeline();
    for (const [bucket, group] of groupByBucket(ids)) {
      const key = this.keys.catchUp(type, generation, bucket);
      pipeline.sadd(key, ...group).expire(key, LOG_TTL_SECONDS);
    }
    pipelineResults(await redisCall('SADD(catch-up log)', context, () => pipeline.exec()), 'SADD(catch-up log)', context);
  }

  async *read(type: string, generation: Generation): AsyncIterable<string[]> {
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const key = this.keys.catchUp(type, generation, bucket);
      // SSCAN may repeat a member while the set is rehashed; one bucket of a log is small enough to remember.
      const seen = new Set<string>();
      let cursor = '0';
      do {
        const [next, members] = await redisCall('SSCAN(catch-up log)', { type, generation, bucket }, () => this.client.sscan(key, cursor, 'COUNT', this.pageSize));
        cursor = next;
        const fresh = members.filter((id) => !seen.has(id));
        fresh.forEach((id) => seen.add(id));
        if (fresh.length > 0) yield fresh;
      } while (cursor !== '0');
    }
  }

  async forget(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const context = { type, generation };
    const pipeline = this.client.pipeline();
    for (const [bucket, group] of groupByBucket(ids)) pipeline.srem(this.keys.catchUp(type, generation, bucket), ...group);
    pipelineResults(await redisCall('SREM(catch-up log)', context, () => pipeline.exec()), 'SREM(catch-up log)', context);
  }

  async clear(type: string, generation: Generation): Promise<void> {
    const context = { type, generation };
    const pipeline = this.client.pipeline();
    // One UNLINK per key: the buckets live in different cluster slots.
    for (let bucket = 0; bucket < BUCKETS; bucket++) pipeline.unlink(this.keys.catchUp(type, generation, bucket));
    pipelineResults(await redisCall('UNLINK(catch-up log)', context, () => pipeline.exec()), 'UNLINK(catch-up log)', context);
  }
}
