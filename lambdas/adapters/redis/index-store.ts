import { ConflictError, PartialWriteError, StoreError } from '../../core/errors.ts';
import type { Pointer } from '../../core/pointer.ts';
import type { Clock, PointerStore, RecordStore, ScanOptions } from '../../core/ports.ts';
import type { GenerationCounter } from '../../core/rebuild/ports.ts';
import { toStoredRecord, vectorFromBytes, vectorToBytes, type Generation, type RecordWrite, type StoredRecord, type WriteOutcome, type WriteResult } from '../../core/records.ts';
import { parseStored, pipelineResults, redisCall, translateRedisError } from './errors.ts';
import { BUCKETS, bucketOf, bucketsOfSegment, groupByBucket, type KeyLayout } from './keys.ts';
import { scriptPipeline, type ScriptedRedis } from './scripts.ts';

/** Options of `RedisIndexStore`. */
export interface RedisIndexStoreOptions {
  /** A client with the scripts defined (see `withScripts`). */
  client: ScriptedRedis;
  keys: KeyLayout;
  /** How long tombstones are kept (seconds). */
  tombstoneTtlSeconds: number;
  clock?: Clock;
  /** Commands sent per pipeline (reads, writes, bulk loads). @default 500 */
  chunkSize?: number;
}

/** What a record key holds: the stored record without what its key already says. */
interface StoredValue {
  version: number;
  hash: string;
  deleted: boolean;
  writtenAt: number;
  record?: unknown;
  /** The vector: little-endian float32, base64 (a third more than its bytes, in the same value). */
  vector?: string;
  expiresAt?: number;
}

const WRITE_RESULTS: ReadonlySet<string> = new Set<WriteResult>(['written', 'stale', 'unchanged']);

/**
 * The index on Redis / Valkey (ElastiCache). Each record is a JSON string; each generation's ids
 * are also kept in 64 bucket sets of live ids and 64 of tombstone ids, which make scans cheap and
 * segmentable, a count a sum of set sizes, and a generation droppable without touching another. Every guarded write is
 * one Lua script (the version guard of core/records.ts, atomically); a pointer swap is a Lua
 * compare-and-set on its revision. Tombstones expire at their `expiresAt` (SET … EXAT).
 * See docs/redis.md for the key layout.
 */
export class RedisIndexStore implements PointerStore, RecordStore, GenerationCounter {
  readonly #client: ScriptedRedis;
  readonly #keys: KeyLayout;
  readonly #clock: Clock;
  readonly #tombstoneTtlSeconds: number;
  readonly #chunkSize: number;
  /** A load's chunk is one pipeline: a bucket's records of it go in one script call. */
  readonly bulkChunkSize: number;

  constructor(options: RedisIndexStoreOptions) {
    this.#client = options.client;
    this.#keys = options.keys;
    this.#clock = options.clock ?? Date.now;
    this.#tombstoneTtlSeconds = options.tombstoneTtlSeconds;
    this.#chunkSize = options.chunkSize ?? 500;
    this.bulkChunkSize = this.#chunkSize;
  }

  async readPointer(type: string): Promise<Pointer | undefined> {
    const raw = await redisCall('GET(pointer)', { type }, () => this.#client.get(this.#keys.pointer(type)));
    return raw === null ? undefined : parseStored<Pointer>(raw, 'pointer', { type });
  }

  async swapPointer(expected: Pointer | undefined, next: Pointer): Promise<void> {
    const swapped = await redisCall('swap pointer', { type: next.type }, () =>
      this.#client.freshindexSwapPointer(this.#keys.pointer(next.type), expected === undefined ? '' : String(expected.revision), JSON.stringify(next)),
    );
    if (swapped !== 1) {
      throw new ConflictError(`pointer of "${next.type}" changed concurrently`, { type: next.type, expectedRevision: expected?.revision });
    }
  }

  async getRecords(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>();
    const groups = [...groupByBucket(ids)];
    const context = { type, generation };
    // Every chunk's pipeline is sent at once: one round trip's wait for the lot, not one per chunk.
    const read = async (chunk: [number, string[]][]) => {
      const pipeline = this.#client.pipeline();
      for (const [bucket, group] of chunk) pipeline.mget(group.map((id) => this.#keys.record(type, generation, id, bucket)));
      const replies = pipelineResults(await redisCall('MGET(records)', context, () => pipeline.exec()), 'MGET(records)', context);
      chunk.forEach(([, group], index) => {
        const values = replies[index] as (string | null)[];
        group.forEach((id, position) => {
          const raw = values[position];
          if (raw != null) found.set(id, fromValue(type, generation, id, raw));
        });
      });
    };
    await Promise.all([...chunksOfGroups(groups, this.#chunkSize)].map(read));
    return found;
  }

  async write(type: string, generation: Generation, writes: readonly RecordWrite[]): Promise<WriteResult[]> {
    const outcomes: WriteOutcome[] = [];
    for (let start = 0; start < writes.length; start += this.#chunkSize) {
      outcomes.push(...(await this.#writeChunk(type, generation, writes.slice(start, start + this.#chunkSize))));
    }
    if (outcomes.some((outcome) => typeof outcome === 'object')) throw new PartialWriteError(outcomes, { type, generation });
    return outcomes as WriteResult[];
  }

  /** One pipeline of guarded writes, each answered on its own; a failed pipeline fails them all. */
  async #writeChunk(type: string, generation: Generation, writes: readonly RecordWrite[]): Promise<WriteOutcome[]> {
    const context = { type, generation };
    const pipeline = scriptPipeline(this.#client);
    for (const write of writes) {
      const stored = toStoredRecord(type, generation, write, this.#clock(), this.#tombstoneTtlSeconds);
      const { record: key, ids, tombstones } = this.#recordKeys(type, generation, write.id);
      pipeline.freshindexGuardedWrite(key, ids, tombstones, write.kind, String(write.version), write.kind === 'upsert' ? write.hash : '', toValue(stored), stored.expiresAt ?? '', write.id);
    }
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await redisCall('guarded write', context, () => pipeline.exec());
      if (replies === null) throw new StoreError('Redis guarded write failed: pipeline was discarded', { context });
    } catch (error) {
      return writes.map(() => ({ error }));
    }
    return replies.map(([error, reply], index): WriteOutcome => {
      const writeContext = { ...context, id: writes[index]?.id };
      if (error) return { error: translateRedisError(error, 'guarded write', writeContext) };
      if (typeof reply !== 'string' || !WRITE_RESULTS.has(reply)) {
        return { error: new StoreError(`Redis guarded write answered ${String(reply)}`, { retryable: false, context: writeContext }) };
      }
      return reply as WriteResult;
    });
  }

  async bulkPut(type: string, generation: Generation, records: readonly StoredRecord[]): Promise<void> {
    const context = { type, generation };
    for (const chunk of chunksOfGroups([...recordsByBucket(records)], this.#chunkSize)) {
      const pipeline = scriptPipeline(this.#client);
      for (const [bucket, group] of chunk) pipeline.freshindexBulkPut(group.length + 2, ...this.#bulkPutArgs(type, generation, bucket, group));
      pipelineResults(await redisCall('bulk put', context, () => pipeline.exec()), 'bulk put', context);
    }
  }

  /** The keys and arguments of one bucket's `freshindexBulkPut`: live records first, then tombstones. */
  #bulkPutArgs(type: string, generation: Generation, bucket: number, group: readonly StoredRecord[]): string[] {
    const live = group.filter((record) => !record.deleted);
    const keys = [this.#keys.bucketIds(type, generation, bucket), this.#keys.bucketTombstones(type, generation, bucket)];
    const args = [String(live.length)];
    for (const record of [...live, ...group.filter((record) => record.deleted)]) {
      keys.push(this.#keys.record(type, generation, record.id, bucket));
      args.push(record.id, toValue(record), record.expiresAt === undefined ? '' : String(record.expiresAt));
    }
    return [...keys, ...args];
  }

  async *scanGeneration(type: string, generation: Generation, options: ScanOptions): AsyncIterable<StoredRecord[]> {
    for await (const { bucket, set, ids } of this.#idPages(type, generation, options)) {
      const context = { type, generation, bucket };
      const values = await redisCall('MGET(records)', context, () => this.#client.mget(ids.map((id) => this.#keys.record(type, generation, id, bucket))));
      const page: StoredRecord[] = [];
      const gone: string[] = [];
      ids.forEach((id, index) => {
        const raw = values[index];
        if (raw == null) gone.push(id);
        else page.push(fromValue(type, generation, id, raw));
      });
      if (gone.length > 0) await this.#prune(type, generation, bucket, set, gone);
      if (page.length > 0) yield page;
    }
  }

  /** The ids of the generation's id sets, without reading a record (the clean-up's scan). */
  async *scanIds(type: string, generation: Generation, options: ScanOptions): AsyncIterable<string[]> {
    for await (const { ids } of this.#idPages(type, generation, options)) yield ids;
  }

  /** The ids of each bucket of the segment, live then tombstones, page by page. */
  async *#idPages(type: string, generation: Generation, options: ScanOptions): AsyncIterable<{ bucket: number; set: string; ids: string[] }> {
    for (const bucket of bucketsOfSegment(options.segment, options.totalSegments)) {
      for (const set of [this.#keys.bucketIds(type, generation, bucket), this.#keys.bucketTombstones(type, generation, bucket)]) {
        for await (const ids of this.#members(set, { type, generation, bucket }, options)) yield { bucket, set, ids };
      }
    }
  }

  /**
   * The live records of a generation: the sizes of its 64 live id sets, one pipelined round trip,
   * reading no record (a guarded write moves an id between the live and the tombstone set of its bucket).
   */
  async countLive(type: string, generation: Generation): Promise<number> {
    const context = { type, generation };
    const pipeline = this.#client.pipeline();
    for (let bucket = 0; bucket < BUCKETS; bucket++) pipeline.scard(this.#keys.bucketIds(type, generation, bucket));
    const sizes = pipelineResults(await redisCall('SCARD(ids)', context, () => pipeline.exec()), 'SCARD(ids)', context);
    return sizes.reduce<number>((sum, size) => sum + Number(size), 0);
  }

  /** SSCAN of one id set, page by page, each id once. */
  async *#members(setKey: string, context: Record<string, unknown>, options: ScanOptions): AsyncIterable<string[]> {
    const count = options.pageSize ?? this.#chunkSize;
    // SSCAN may repeat an id (while the set is rehashed): remember what this set yielded.
    const seen = new Set<string>();
    let cursor = '0';
    do {
      options.signal?.throwIfAborted();
      const [nextCursor, members] = await redisCall('SSCAN(ids)', context, () => this.#client.sscan(setKey, cursor, 'COUNT', count));
      cursor = nextCursor;
      const ids = members.filter((id) => !seen.has(id));
      ids.forEach((id) => seen.add(id));
      if (ids.length > 0) yield ids;
    } while (cursor !== '0');
  }

  async deleteRecords(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    const groups = [...groupByBucket(ids)];
    const context = { type, generation };
    for (const chunk of chunksOfGroups(groups, this.#chunkSize)) {
      const pipeline = scriptPipeline(this.#client);
      for (const [bucket, group] of chunk) {
        const keys = group.map((id) => this.#keys.record(type, generation, id, bucket));
        pipeline.freshindexDeleteRecords(keys.length + 2, this.#keys.bucketIds(type, generation, bucket), this.#keys.bucketTombstones(type, generation, bucket), ...keys, ...group);
      }
      pipelineResults(await redisCall('delete records', context, () => pipeline.exec()), 'delete records', context);
    }
  }

  /** Forgets ids of expired tombstones, so scans stop meeting them. */
  async #prune(type: string, generation: Generation, bucket: number, set: string, ids: string[]): Promise<void> {
    const keys = ids.map((id) => this.#keys.record(type, generation, id, bucket));
    await redisCall('prune ids', { type, generation, bucket }, () => this.#client.freshindexPruneIds(keys.length + 1, set, ...keys, ...ids));
  }

  #recordKeys(type: string, generation: Generation, id: string): { record: string; ids: string; tombstones: string } {
    const bucket = bucketOf(id);
    return {
      record: this.#keys.record(type, generation, id, bucket),
      ids: this.#keys.bucketIds(type, generation, bucket),
      tombstones: this.#keys.bucketTombstones(type, generation, bucket),
    };
  }
}

function toValue(record: StoredRecord): string {
  const value: StoredValue = { version: record.version, hash: record.hash, deleted: record.deleted, writtenAt: record.writtenAt };
  if (!record.deleted) value.record = record.record;
  if (!record.deleted && record.vector) value.vector = Buffer.from(vectorToBytes(record.vector)).toString('base64');
  if (record.expiresAt !== undefined) value.expiresAt = record.expiresAt;
  return JSON.stringify(value);
}

function fromValue(type: string, generation: Generation, id: string, raw: string): StoredRecord {
  const value = parseStored<StoredValue>(raw, 'record', { type, generation, id });
  return {
    type,
    id,
    generation,
    version: value.version,
    hash: value.hash,
    deleted: value.deleted,
    writtenAt: value.writtenAt,
    ...('record' in value ? { record: value.record } : {}),
    ...(typeof value.vector === 'string' ? { vector: vectorFromBytes(Buffer.from(value.vector, 'base64')) } : {}),
    ...(value.expiresAt === undefined ? {} : { expiresAt: value.expiresAt }),
  };
}

/** Splits bucket groups into chunks of about `size` ids (a group is never split). */
function* chunksOfGroups<T>(groups: [number, T[]][], size: number): Generator<[number, T[]][]> {
  let chunk: [number, T[]][] = [];
  let ids = 0;
  for (const group of groups) {
    chunk.push(group);
    ids += group[1].length;
    if (ids >= size) {
      yield chunk;
      chunk = [];
      ids = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Records grouped by the bucket of their id; of two records of one id, the later one (as with repeated SETs). */
function recordsByBucket(records: readonly StoredRecord[]): Map<number, StoredRecord[]> {
  const byId = new Map(records.map((record) => [record.id, record]));
  const groups = new Map<number, StoredRecord[]>();
  for (const record of byId.values()) {
    const bucket = bucketOf(record.id);
    const group = groups.get(bucket);
    if (group) group.push(record);
    else groups.set(bucket, [record]);
  }
  return groups;
}
