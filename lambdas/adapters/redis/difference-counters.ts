import type { ChainableCommander } from 'ioredis';
import { MAX_DIFFERENCE_SUMMARY, RECENT_DIFFERENCES, type CheckCounters, type DifferenceCounters, type DifferenceSeen } from '../../core/verify/ports.ts';
import { parseStored, pipelineResults, redisCall } from './errors.ts';
import type { ControlKeys } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/** Counters nobody touched for this long expire (the resource was forgotten, or deleted), as on DynamoDB. */
const COUNTERS_TTL_SECONDS = 30 * 24 * 3600;

/**
 * The checker's difference counters on Redis, for each resource that differed at least once: a
 * HASH `d:{type}:id` (differences, cleanChecks, nextCheckAt) and a LIST `dr:{type}:id` of its
 * last `RECENT_DIFFERENCES` differences (JSON, oldest first). Each update is one MULTI
 * transaction that also reads the new state back, so two checkers of one resource never lose a
 * count; both keys expire 30 days after the last update.
 */
export class RedisDifferenceCounters implements DifferenceCounters {
  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: ControlKeys,
  ) {}

  async get(type: string, id: string): Promise<CheckCounters | undefined> {
    const counters = await this.#exec('get(checks)', type, id, (transaction) => transaction);
    return counters.found ? counters.state : undefined;
  }

  async recordDifference(type: string, id: string, seen: DifferenceSeen, nextCheckAt: number): Promise<CheckCounters> {
    const entry = JSON.stringify({ at: seen.at, summary: seen.summary.slice(0, MAX_DIFFERENCE_SUMMARY) });
    const { hash, recent } = this.#keys(type, id);
    const counters = await this.#exec('record difference(checks)', type, id, (transaction) =>
      transaction
        .hincrby(hash, 'differences', 1)
        .hset(hash, 'cleanChecks', 0, 'nextCheckAt', nextCheckAt)
        .rpush(recent, entry)
        .ltrim(recent, -RECENT_DIFFERENCES, -1)
        .expire(hash, COUNTERS_TTL_SECONDS)
        .expire(recent, COUNTERS_TTL_SECONDS),
    );
    return counters.state;
  }

  async recordClean(type: string, id: string, nextCheckAt?: number): Promise<CheckCounters> {
    const { hash, recent } = this.#keys(type, id);
    const counters = await this.#exec('record clean(checks)', type, id, (transaction) => {
      transaction.hincrby(hash, 'cleanChecks', 1);
      if (nextCheckAt === undefined) transaction.hset(hash, 'differences', 0).hdel(hash, 'nextCheckAt');
      else transaction.hset(hash, 'differences', 0, 'nextCheckAt', nextCheckAt);
      return transaction.expire(hash, COUNTERS_TTL_SECONDS).expire(recent, COUNTERS_TTL_SECONDS);
    });
    return counters.state;
  }

  async clear(type: string, id: string): Promise<void> {
    const { hash, recent } = this.#keys(type, id);
    await redisCall('DEL(checks)', { type, id }, () => this.client.del(hash, recent));
  }

  #keys(type: string, id: string): { hash: string; recent: string } {
    return { hash: this.keys.checks(type, id), recent: this.keys.recentDifferences(type, id) };
  }

  /** Runs `update` and then reads the state, in one transaction. */
  async #exec(operation: string, type: string, id: string, update: (transaction: ChainableCommander) => ChainableCommander): Promise<{ found: boolean; state: CheckCounters }> {
    const { hash, recent } = this.#keys(type, id);
    const context = { type, id };
    const replies = pipelineResults(
      await redisCall(operation, context, () => update(this.client.multi()).hgetall(hash).lrange(recent, 0, -1).exec()),
      operation,
      context,
    );
    const fields = replies.at(-2) as Record<string, string>;
    const seen = (replies.at(-1) as string[]).map((raw) => parseStored<DifferenceSeen>(raw, 'difference', context));
    return {
      found: Object.keys(fields).length > 0,
      state: {
        differences: Number(fields['differences'] ?? 0),
        cleanChecks: Number(fields['cleanChecks'] ?? 0),
        recent: seen.map((difference) => ({ at: Number(difference.at), summary: String(difference.summary) })),
        ...(fields['nextCheckAt'] === undefined ? {} : { nextCheckAt: Number(fields['nextCheckAt']) }),
      },
    };
  }
}
