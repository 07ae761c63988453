import pLimit from 'p-limit';
import type { Generation } from '../../core/records.ts';
import type { GenerationCounter } from '../../core/rebuild/ports.ts';
import { redisCall } from './errors.ts';
import { BUCKETS, type KeyLayout } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/**
 * Counts a generation's live records on Redis, independently of the load's own counters.
 *
 * The layout cannot count without looking at each record: tombstones share the bucket id sets
 * with live records (and an expired tombstone's id stays until a scan prunes it), so the sets'
 * sizes (SCARD) count more than the live records. So each bucket's ids are walked with SSCAN and
 * each page is counted on the server by a script (`freshindexCountLive`) that reads the records'
 * `deleted` flag there: the values never travel, only one number per page. Buckets are counted
 * `concurrency` at a time.
 */
export class RedisGenerationCounter implements GenerationCounter {
  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: KeyLayout,
    private readonly options: { pageSize?: number; concurrency?: number } = {},
  ) {}

  async countLive(type: string, generation: Generation): Promise<number> {
    const limit = pLimit(this.options.concurrency ?? 8);
    const counts = await Promise.all(Array.from({ length: BUCKETS }, (_, bucket) => limit(() => this.#countBucket(type, generation, bucket))));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async #countBucket(type: string, generation: Generation, bucket: number): Promise<number> {
    const context = { type, generation, bucket };
    const setKey = this.keys.bucketIds(type, generation, bucket);
    // SSCAN may repeat an id while the set is rehashed: count each once.
    const seen = new Set<string>();
    let live = 0;
    let cursor = '0';
    do {
      const [next, members] = await redisCall('SSCAN(count)', context, () => this.client.sscan(setKey, cursor, 'COUNT', this.options.pageSize ?? 500));
      cursor = next;
      const ids = members.filter((id) => !seen.has(id));
      ids.forEach((id) => seen.add(id));
      if (ids.length === 0) continue;
      const keys = ids.map((id) => this.keys.record(type, generation, id, bucket));
      live += Number(await redisCall('count live', context, () => this.client.freshindexCountLive(keys.length, ...keys)));
    } while (cursor !== '0');
    return live;
  }
}
