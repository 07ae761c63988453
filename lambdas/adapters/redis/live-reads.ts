/**
 * The reader's reads of the Redis index: one GET for one id, and for many ids one pipeline of an
 * MGET per bucket (the keys of one MGET share a hash tag, so it also works on a cluster): one
 * round trip, whatever the count.
 */
import type { Redis } from 'ioredis';
import type { IndexHit, LiveRecordReads } from '../../core/reader/index.ts';
import type { Generation } from '../../core/records.ts';
import { parseStored, pipelineResults, redisCall } from './errors.ts';
import { groupByBucket, type KeyLayout } from './keys.ts';

/** The part of a stored value a reader needs (see index-store.ts for the whole). */
interface StoredValue {
  version: number;
  deleted: boolean;
  record?: unknown;
}

/** The reader's record reads on Redis / Valkey. */
export class RedisLiveReads implements LiveRecordReads {
  constructor(
    private readonly client: Pick<Redis, 'get' | 'pipeline'>,
    private readonly keys: KeyLayout,
  ) {}

  async read(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, IndexHit>> {
    const context = { type, generation };
    const found = new Map<string, IndexHit>();
    if (ids.length === 1) {
      const id = ids[0] as string;
      const raw = await redisCall('GET(record)', { ...context, id }, () => this.client.get(this.keys.record(type, generation, id)));
      if (raw !== null) found.set(id, hitOf(id, raw, context));
      return found;
    }
    if (ids.length === 0) return found;
    const groups = [...groupByBucket(ids).entries()];
    const pipeline = this.client.pipeline();
    for (const [bucket, group] of groups) pipeline.mget(group.map((id) => this.keys.record(type, generation, id, bucket)));
    const replies = pipelineResults(await redisCall('MGET(records)', context, () => pipeline.exec()), 'MGET(records)', context);
    groups.forEach(([, group], index) => {
      const values = replies[index] as (string | null)[];
      group.forEach((id, position) => {
        const raw = values[position];
        if (raw != null) found.set(id, hitOf(id, raw, context));
      });
    });
    return found;
  }
}

function hitOf(id: string, raw: string, context: Record<string, unknown>): IndexHit {
  const value = parseStored<StoredValue>(raw, 'record', { ...context, id });
  return { id, version: value.version, deleted: value.deleted, ...('record' in value ? { record: value.record } : {}) };
}
