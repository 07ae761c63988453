import { pipelineResults, redisCall } from './errors.ts';
import type { ScriptedRedis } from './scripts.ts';

/** Where one kind of document of a type lives (see `ControlKeys`). */
export interface HistoryKeys {
  /** One document, by its name. */
  item(type: string, name: string): string;
  /** The sorted set of names (all scores 0, so ordered by name). */
  index(type: string): string;
  /** The type's latest document. */
  latest(type: string): string;
}

/** How many of the oldest names a save checks for documents that expired. */
const PRUNE_ON_SAVE = 3;

/**
 * Documents of a type kept as JSON strings under their own expiring keys, with an index ordered
 * by name (build ids and ISO timestamps sort by time) and a copy of the latest. Redis expires the
 * documents; their names leave the index when a read or a later save finds them gone. Used for
 * build records and audit reports, which DynamoDB keeps as items under a TTL.
 */
export class ExpiringHistory {
  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: HistoryKeys,
    private readonly what: string,
  ) {}

  /** Stores `json` under `name` until `expireAt` (epoch s), and as the latest unless told not to. */
  async save(type: string, name: string, json: string, expireAt: number, latest: { write: boolean; expires: boolean }): Promise<void> {
    const context = { type, name };
    const transaction = this.client.multi().set(this.keys.item(type, name), json, 'EXAT', expireAt).zadd(this.keys.index(type), 0, name);
    if (latest.write) {
      if (latest.expires) transaction.set(this.keys.latest(type), json, 'EXAT', expireAt);
      else transaction.set(this.keys.latest(type), json);
    }
    pipelineResults(await redisCall(`SET(${this.what})`, context, () => transaction.exec()), `SET(${this.what})`, context);
    const oldest = await redisCall(`ZRANGE(${this.what})`, context, () => this.client.zrange(this.keys.index(type), '0', String(PRUNE_ON_SAVE - 1)));
    await this.#forgetGone(type, oldest);
  }

  async get(type: string, name: string): Promise<string | undefined> {
    return (await redisCall(`GET(${this.what})`, { type, name }, () => this.client.get(this.keys.item(type, name)))) ?? undefined;
  }

  async latest(type: string): Promise<string | undefined> {
    return (await redisCall(`GET(latest ${this.what})`, { type }, () => this.client.get(this.keys.latest(type)))) ?? undefined;
  }

  /** The newest `limit` documents, newest first. */
  async newest(type: string, limit: number): Promise<string[]> {
    const found: string[] = [];
    let offset = 0;
    while (found.length < limit) {
      const want = limit - found.length;
      const names = await redisCall(`ZRANGE(${this.what})`, { type }, () => this.client.zrange(this.keys.index(type), String(offset), String(offset + want - 1), 'REV'));
      if (names.length === 0) break;
      const values = await redisCall(`MGET(${this.what})`, { type }, () => this.client.mget(names.map((name) => this.keys.item(type, name))));
      values.forEach((value) => value !== null && found.push(value));
      const gone = names.filter((_name, position) => values[position] === null);
      await this.#forgetGone(type, gone, false);
      offset += names.length - gone.length;
    }
    return found;
  }

  /**
   * Takes names whose document expired out of the index. `check`: see first which are gone. A
   * document is only ever missing once expired (a save sets it and its name in one transaction).
   */
  async #forgetGone(type: string, names: string[], check = true): Promise<void> {
    if (names.length === 0) return;
    const exists = check
      ? await redisCall(`EXISTS(${this.what})`, { type }, () => Promise.all(names.map((name) => this.client.exists(this.keys.item(type, name)))))
      : names.map(() => 0);
    const gone = names.filter((_name, position) => exists[position] === 0);
    if (gone.length > 0) await redisCall(`ZREM(${this.what})`, { type }, () => this.client.zrem(this.keys.index(type), ...gone));
  }
}
