import type { ChildResultStore, LoadResult } from '../../core/rebuild/index.ts';
import { parseStored, pipelineResults, redisCall } from './errors.ts';
import type { ControlKeys } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/** How long a build's child results are kept, as on DynamoDB. */
const CHILD_RESULT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The results of a split load's children on Redis: one HASH per build (`cr:{type}:buildId`),
 * child index → result (JSON), expiring a week after the last child saved. A child run again
 * replaces its field.
 */
export class RedisChildResults implements ChildResultStore {
  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: ControlKeys,
  ) {}

  async save(type: string, buildId: string, child: number, result: LoadResult): Promise<void> {
    const key = this.keys.childResults(type, buildId);
    const context = { type, buildId, child };
    pipelineResults(await redisCall('HSET(child result)', context, () => this.client.multi().hset(key, String(child), JSON.stringify(result)).expire(key, CHILD_RESULT_TTL_SECONDS).exec()), 'HSET(child result)', context);
  }

  async list(type: string, buildId: string): Promise<Map<number, LoadResult>> {
    const fields = await redisCall('HGETALL(child results)', { type, buildId }, () => this.client.hgetall(this.keys.childResults(type, buildId)));
    return new Map(Object.entries(fields).map(([child, raw]) => [Number(child), parseStored<LoadResult>(raw, 'child result', { type, buildId, child })]));
  }
}
