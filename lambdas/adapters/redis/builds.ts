import { ConflictError } from '../../core/errors.ts';
import type { Generation } from '../../core/records.ts';
import type { BuildRecord, BuildRecordStore, Lease, LeaseStore, Retirement, RetirementStore } from '../../core/rebuild/index.ts';
import { parseStored, redisCall } from './errors.ts';
import { ExpiringHistory } from './history.ts';
import type { ControlKeys } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/** How long build records are kept, as on DynamoDB. */
const BUILD_RECORD_DAYS = 90;

/**
 * The rebuild's control records on Redis, next to the type's pointer (every key under `{type}`):
 *
 * | what            | key                      | type                                                |
 * |-----------------|--------------------------|-----------------------------------------------------|
 * | build lease     | `l:{type}`               | HASH buildId, holder, acquiredAt, expiresAt          |
 * | one build       | `b:{type}:buildId`       | STRING (JSON), expires 90 days after it started      |
 * | latest build    | `bl:{type}`              | STRING (JSON), same expiry                           |
 * | build ids       | `bi:{type}`              | ZSET, ordered by build id (newest last)              |
 * | retirement note | `rt:{type}`              | HASH `generation` / `generation#log` → note (JSON)   |
 * | swept mark      | `sw:{type}`              | STRING                                              |
 *
 * Every lease change is one Lua script (control-scripts.ts), the conditions of
 * lambdas/adapters/dynamodb/builds.ts: acquire if free, expired before `now`, or already ours;
 * renew and release only while ours.
 */
export class RedisBuildControl implements LeaseStore, BuildRecordStore, RetirementStore {
  readonly #history: ExpiringHistory;

  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: ControlKeys,
  ) {
    this.#history = new ExpiringHistory(client, { item: (type, id) => keys.build(type, id), index: (type) => keys.builds(type), latest: (type) => keys.latestBuild(type) }, 'build');
  }

  async acquire(lease: Lease, now: number): Promise<void> {
    const fields = ['buildId', lease.buildId, 'holder', lease.holder, 'acquiredAt', lease.acquiredAt, 'expiresAt', lease.expiresAt];
    const taken = await redisCall('acquire(lease)', { type: lease.type }, () =>
      this.client.freshindexTakeUnlessHeld(this.keys.lease(lease.type), now, 'buildId', lease.buildId, '', ...fields),
    );
    if (taken !== 1) throw new ConflictError(`the build lease of "${lease.type}" is held`, { type: lease.type });
  }

  async renew(lease: Lease, expiresAt: number): Promise<Lease> {
    const renewed = await redisCall('renew(lease)', { type: lease.type }, () =>
      this.client.freshindexIfField(this.keys.lease(lease.type), 'buildId', lease.buildId, '0', 'set', 'expiresAt', expiresAt),
    );
    if (renewed !== 1) throw new ConflictError(`build ${lease.buildId} no longer holds the lease of "${lease.type}"`, { type: lease.type });
    return { ...lease, expiresAt };
  }

  async release(lease: Lease): Promise<void> {
    await redisCall('release(lease)', { type: lease.type }, () => this.client.freshindexIfField(this.keys.lease(lease.type), 'buildId', lease.buildId, '0', 'delete'));
  }

  async read(type: string): Promise<Lease | undefined> {
    const fields = await redisCall('HGETALL(lease)', { type }, () => this.client.hgetall(this.keys.lease(type)));
    if (fields['buildId'] === undefined) return undefined;
    return { type, buildId: fields['buildId'], holder: fields['holder'] ?? '', acquiredAt: Number(fields['acquiredAt']), expiresAt: Number(fields['expiresAt']) };
  }

  async save(record: BuildRecord, options: { latest?: boolean } = {}): Promise<void> {
    const expireAt = Math.floor(record.startedAt / 1000) + BUILD_RECORD_DAYS * 24 * 3600;
    await this.#history.save(record.type, record.buildId, JSON.stringify(record), expireAt, { write: options.latest !== false, expires: true });
  }

  async get(type: string, buildId: string): Promise<BuildRecord | undefined> {
    return recordOf(await this.#history.get(type, buildId), type);
  }

  async latest(type: string): Promise<BuildRecord | undefined> {
    return recordOf(await this.#history.latest(type), type);
  }

  async list(type: string, limit: number): Promise<BuildRecord[]> {
    return (await this.#history.newest(type, limit)).map((raw) => recordOf(raw, type) as BuildRecord);
  }

  async add(retirement: Retirement): Promise<void> {
    const { type, generation } = retirement;
    await redisCall('HSET(retirement)', { type, generation }, () =>
      this.client.hset(this.keys.retirements(type), noteField(generation, retirement.records), JSON.stringify(retirement)),
    );
  }

  async pending(type: string): Promise<Retirement[]> {
    const notes = await redisCall('HGETALL(retirements)', { type }, () => this.client.hgetall(this.keys.retirements(type)));
    return Object.values(notes)
      .map((raw) => noteOf(raw, type))
      .sort((a, b) => a.generation - b.generation || Number(b.records) - Number(a.records));
  }

  async remove(type: string, generation: Generation, records: boolean): Promise<void> {
    await redisCall('HDEL(retirement)', { type, generation }, () => this.client.hdel(this.keys.retirements(type), noteField(generation, records)));
  }

  async sweptBelow(type: string): Promise<Generation> {
    const below = await redisCall('GET(swept)', { type }, () => this.client.get(this.keys.swept(type)));
    return below === null ? 1 : Number(below);
  }

  async markSwept(type: string, below: Generation): Promise<void> {
    await redisCall('SET(swept)', { type, below }, () => this.client.set(this.keys.swept(type), String(below)));
  }
}

function recordOf(raw: string | undefined, type: string): BuildRecord | undefined {
  return raw === undefined ? undefined : parseStored<BuildRecord>(raw, 'build record', { type });
}

/** A note as the port returns it: exactly the fields it was written with, as on DynamoDB. */
function noteOf(raw: string, type: string): Retirement {
  const note = parseStored<Retirement>(raw, 'retirement note', { type });
  return {
    type,
    generation: Number(note.generation),
    records: note.records === true,
    ...(note.retiredAt === undefined ? {} : { retiredAt: Number(note.retiredAt) }),
    reason: String(note.reason ?? ''),
  };
}

/** A generation's note for its records, and its note for its catch-up log alone, apart. */
function noteField(generation: Generation, records: boolean): string {
  return records ? String(generation) : `${generation}#log`;
}
