import type { QuarantineEntry, QuarantineStore } from '../../core/ports.ts';
import { parseStored, redisCall } from './errors.ts';
import type { KeyLayout } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/**
 * Quarantined resources on Redis: one HASH per type (`${prefix}q:{type}`) holding, per resource,
 * its entry as JSON (field `e:id`) and its clean-check count (field `c:id`). Adding is a Lua
 * HSETNX (only the first caller wins, so the alert goes out once); a clean check is HINCRBY,
 * guarded by the entry's existence.
 */
export class RedisQuarantineStore implements QuarantineStore {
  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: KeyLayout,
  ) {}

  async list(type: string): Promise<QuarantineEntry[]> {
    const fields = await redisCall('HGETALL(quarantine)', { type }, () => this.client.hgetall(this.keys.quarantine(type)));
    return Object.entries(fields)
      .filter(([field]) => field.startsWith('e:'))
      .map(([field, raw]) => parseEntry(raw, fields[`c:${field.slice(2)}`]));
  }

  async get(type: string, id: string): Promise<QuarantineEntry | undefined> {
    const [raw, count] = await redisCall('HMGET(quarantine)', { type, id }, () => this.client.hmget(this.keys.quarantine(type), `e:${id}`, `c:${id}`));
    return raw == null ? undefined : parseEntry(raw, count);
  }

  async add(entry: QuarantineEntry): Promise<boolean> {
    const added = await redisCall('add(quarantine)', { type: entry.type, id: entry.id }, () =>
      this.client.freshindexQuarantineAdd(this.keys.quarantine(entry.type), entry.id, JSON.stringify(entry), entry.cleanChecks),
    );
    return added === 1;
  }

  async recordCleanCheck(type: string, id: string): Promise<number | undefined> {
    const count = await redisCall('clean check(quarantine)', { type, id }, () => this.client.freshindexRecordCleanCheck(this.keys.quarantine(type), id));
    return count === null ? undefined : Number(count);
  }

  async release(type: string, id: string): Promise<boolean> {
    // The count field never exists without the entry: anything removed means it was quarantined.
    const removed = await redisCall('HDEL(quarantine)', { type, id }, () => this.client.hdel(this.keys.quarantine(type), `e:${id}`, `c:${id}`));
    return removed > 0;
  }
}

function parseEntry(raw: string, cleanChecks: string | null | undefined): QuarantineEntry {
  const item = parseStored<Partial<QuarantineEntry>>(raw, 'quarantine entry', {});
  return {
    type: String(item.type),
    id: String(item.id),
    since: Number(item.since),
    differences: Number(item.differences),
    lastDifference: String(item.lastDifference ?? ''),
    cleanChecks: Number(cleanChecks ?? item.cleanChecks ?? 0),
  };
}
