import type { CatchUpLog } from '../../core/ports.ts';
import type { Generation } from '../../core/records.ts';
import { pipelineResults, redisCall } from './errors.ts';
import type { KeyLayout } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/** A week, as for the DynamoDB log: long enough for any build, short enough to clean up an abandoned one. */
const LOG_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The catch-up log on Redis: one SET of ids per type and generation (`${prefix}c:{type}:generation`),
 * read with SSCAN. Each `record` pushes the set's expiry a week ahead, in case a build is abandoned
 * without clean-up.
 */
export class RedisCatchUpLog implements CatchUpLog {
  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: KeyLayout,
    private readonly pageSize = 500,
  ) {}

  async record(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const key = this.keys.catchUp(type, generation);
    const context = { type, generation };
    const results = await redisCall('SADD(catch-up log)', context, () => this.client.multi().sadd(key, ...new Set(ids)).expire(key, LOG_TTL_SECONDS).exec());
    pipelineResults(results, 'SADD(catch-up log)', context);
  }

  async *read(type: string, generation: Generation): AsyncIterable<string[]> {
    const key = this.keys.catchUp(type, generation);
    // SSCAN may repeat a member while the set is rehashed; a catch-up log is small enough to remember.
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, members] = await redisCall('SSCAN(catch-up log)', { type, generation }, () => this.client.sscan(key, cursor, 'COUNT', this.pageSize));
      cursor = next;
      const fresh = members.filter((id) => !seen.has(id));
      fresh.forEach((id) => seen.add(id));
      if (fresh.length > 0) yield fresh;
    } while (cursor !== '0');
  }

  async forget(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await redisCall('SREM(catch-up log)', { type, generation }, () => this.client.srem(this.keys.catchUp(type, generation), ...new Set(ids)));
  }

  async clear(type: string, generation: Generation): Promise<void> {
    await redisCall('UNLINK(catch-up log)', { type, generation }, () => this.client.unlink(this.keys.catchUp(type, generation)));
  }
}
