/**
 * The reader library: what the online recommender uses to read the index. See docs/reader.md.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { UnprocessedRetry } from '../adapters/dynamodb/batch.ts';
import { DynamoIndexStore } from '../adapters/dynamodb/index-store.ts';
import { DynamoQuarantineStore } from '../adapters/dynamodb/quarantine-store.ts';
import { systemClock, type Clock } from '../core/ports.ts';
import type { Generation } from '../core/records.ts';
import { QuarantineCache, ReaderPointerCache } from './caches.ts';
import { IndexReads, type IndexHit } from './index-reads.ts';

/**
 * Where a result came from:
 * - `index`: the live generation of the index;
 * - `fallback`: the fallback (usually the source of truth), because the resource is quarantined;
 * - `missing`: nobody has it (never indexed, deleted, or unknown to the fallback).
 */
export type ReadSource = 'index' | 'fallback' | 'missing';

/** One resource as read. */
export interface ReadResult<R = unknown> {
  id: string;
  /** The record, absent when `from` is `missing`. */
  record: R | undefined;
  from: ReadSource;
  /** True when the checker quarantined the resource: the index is not trusted for it. */
  quarantined: boolean;
  /** The source version of the index record (`from: 'index'` only). */
  version?: number;
  /** The generation read (every result that consulted the index). */
  generation?: Generation;
}

/**
 * Reads quarantined resources from elsewhere, usually the source of truth (see `sourceFallback`).
 * Returns the records it found, keyed by id; ids it does not know are left out (read as missing).
 */
export type ReaderFallback = (type: string, ids: readonly string[]) => Promise<ReadonlyMap<string, unknown>>;

/** Options of {@link createReader}. */
export interface ReaderOptions {
  /**
   * The DynamoDB client, a document client built on one, or the config to create one with.
   * @default new DynamoDBClient({}) (region and credentials from the environment)
   */
  dynamodb?: DynamoDBClient | DynamoDBDocumentClient | DynamoDBClientConfig;
  /** The index table (the stack's `IndexTableName` output). */
  indexTable: string;
  /** The control table (the stack's `ControlTableName` output): pointers and quarantine. */
  controlTable: string;
  /**
   * How long a type's pointer is cached (ms): a rebuild's flip or a rollback is seen within it.
   * Keep it at or under the deployment's `pointerCacheSeconds`, which the rebuild waits out.
   * @default 10_000
   */
  pointerCacheMs?: number;
  /**
   * How long a type's quarantined ids are cached (ms).
   * @default pointerCacheMs
   */
  quarantineCacheMs?: number;
  /**
   * Where quarantined resources are read from. Without one, they are read from the index and
   * flagged `quarantined: true`.
   */
  fallback?: ReaderFallback;
  /**
   * Called when the fallback fails; the reader then serves the index's record (still flagged
   * `quarantined`), so a source outage never fails a whole batch.
   */
  onFallbackError?: (error: unknown, context: { type: string; ids: readonly string[] }) => void;
  /**
   * Strongly consistent reads. Readers do not need them: a record is at most a moment behind.
   * @default false
   */
  consistentReads?: boolean;
  /** Backoff of BatchGetItem's unprocessed keys. @default 8 retries, 25 ms to 2 s, with jitter */
  unprocessedRetry?: UnprocessedRetry;
  /** The clock of the caches (tests move it). @default Date.now */
  clock?: Clock;
}

/**
 * Reads the live generation of the index. `Records` maps each type name to its record's shape.
 */
export interface Reader<Records extends Record<string, unknown> = Record<string, unknown>> {
  /** One resource. */
  get<T extends keyof Records & string>(type: T, id: string): Promise<ReadResult<Records[T]>>;
  /**
   * Many resources of one type, one result per requested id, in request order (a repeated id
   * gets a repeated result). Read with BatchGetItem, 100 keys a call.
   */
  getMany<T extends keyof Records & string>(type: T, ids: readonly string[]): Promise<Array<ReadResult<Records[T]>>>;
  /** Forgets cached pointers and quarantine lists (of one type, or all). */
  invalidate(type?: string): void;
  /** Releases the DynamoDB client if the reader created it. */
  close(): void;
}

/**
 * Creates a reader of the index.
 *
 * It only ever reads the generation the type's pointer names as active (never a building
 * one), caches that pointer for `pointerCacheMs`, reads tombstones as missing, and serves
 * quarantined resources from `fallback`, saying so in each result.
 *
 * @example
 * import { createReader, sourceFallback } from 'freshindex/reader';
 * import { config } from './freshindex.config.ts';
 *
 * type Video = { title: string; tags: string[] };
 * const reader = createReader<{ video: Video }>({
 *   indexTable: 'freshindex-index',
 *   controlTable: 'freshindex-control',
 *   pointerCacheMs: 5_000,
 *   fallback: sourceFallback(config),
 * });
 * const one = await reader.get('video', 'v-42');
 * if (one.from !== 'missing') console.log(one.record?.title);
 * const many = await reader.getMany('video', ['v-1', 'v-2', 'v-3']);
 */
export function createReader<Records extends Record<string, unknown> = Record<string, unknown>>(options: ReaderOptions): Reader<Records> {
  return new IndexReader<Records>(options);
}

class IndexReader<Records extends Record<string, unknown>> implements Reader<Records> {
  readonly #pointers: ReaderPointerCache;
  readonly #quarantine: QuarantineCache;
  readonly #reads: IndexReads;
  readonly #options: ReaderOptions;
  readonly #owned: DynamoDBClient | undefined;

  constructor(options: ReaderOptions) {
    this.#options = options;
    const { document, owned } = documentClientOf(options.dynamodb);
    this.#owned = owned;
    const clock = options.clock ?? systemClock;
    const pointerCacheMs = options.pointerCacheMs ?? 10_000;
    const consistentReads = options.consistentReads ?? false;
    const store = new DynamoIndexStore({
      client: document,
      indexTable: options.indexTable,
      controlTable: options.controlTable,
      tombstoneTtlSeconds: 0, // the reader never writes
      consistentReads,
    });
    this.#pointers = new ReaderPointerCache(store, pointerCacheMs, clock);
    this.#quarantine = new QuarantineCache(
      new DynamoQuarantineStore(document, options.controlTable, consistentReads),
      options.quarantineCacheMs ?? pointerCacheMs,
      clock,
    );
    this.#reads = new IndexReads({ client: document, indexTable: options.indexTable, consistentReads, unprocessedRetry: options.unprocessedRetry });
  }

  async get<T extends keyof Records & string>(type: T, id: string): Promise<ReadResult<Records[T]>> {
    const [result] = await this.#read(type, [id]);
    return result as ReadResult<Records[T]>;
  }

  async getMany<T extends keyof Records & string>(type: T, ids: readonly string[]): Promise<Array<ReadResult<Records[T]>>> {
    return (await this.#read(type, ids)) as Array<ReadResult<Records[T]>>;
  }

  invalidate(type?: string): void {
    this.#pointers.invalidate(type);
    this.#quarantine.invalidate(type);
  }

  close(): void {
    this.#owned?.destroy();
  }

  async #read(type: string, ids: readonly string[]): Promise<ReadResult[]> {
    if (ids.length === 0) return [];
    const [{ pointer }, quarantined] = await Promise.all([this.#pointers.get(type), this.#quarantine.get(type)]);
    if (!pointer) return ids.map((id) => ({ id, record: undefined, from: 'missing', quarantined: quarantined.has(id) }));
    const generation = pointer.active;
    const unique = [...new Set(ids)];
    const fallback = this.#options.fallback;
    const viaFallback = fallback ? unique.filter((id) => quarantined.has(id)) : [];
    const fallbackIds = new Set(viaFallback);
    const viaIndex = fallbackIds.size === 0 ? unique : unique.filter((id) => !fallbackIds.has(id));

    const [hits, fallen] = await Promise.all([this.#readIndex(type, generation, viaIndex), this.#readFallback(type, viaFallback)]);
    if (fallen === undefined && viaFallback.length > 0) {
      for (const [id, hit] of await this.#readIndex(type, generation, viaFallback)) hits.set(id, hit);
    }

    return ids.map((id): ReadResult => {
      const isQuarantined = quarantined.has(id);
      if (fallen?.has(id)) return { id, record: fallen.get(id), from: 'fallback', quarantined: isQuarantined, generation };
      const hit = hits.get(id);
      if (!hit || hit.deleted || (fallen !== undefined && fallbackIds.has(id))) {
        return { id, record: undefined, from: 'missing', quarantined: isQuarantined, generation };
      }
      return { id, record: hit.record, from: 'index', quarantined: isQuarantined, version: hit.version, generation };
    });
  }

  async #readIndex(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, IndexHit>> {
    if (ids.length !== 1) return this.#reads.getMany(type, generation, ids);
    const hit = await this.#reads.getOne(type, generation, ids[0] as string);
    return hit ? new Map([[hit.id, hit]]) : new Map();
  }

  /** The fallback's records, or `undefined` when it failed (the index then serves them). */
  async #readFallback(type: string, ids: readonly string[]): Promise<ReadonlyMap<string, unknown> | undefined> {
    const fallback = this.#options.fallback;
    if (!fallback || ids.length === 0) return new Map();
    try {
      return await fallback(type, ids);
    } catch (error) {
      this.#options.onFallbackError?.(error, { type, ids });
      return undefined;
    }
  }
}

function documentClientOf(dynamodb: ReaderOptions['dynamodb']): { document: DynamoDBDocumentClient; owned?: DynamoDBClient } {
  if (dynamodb instanceof DynamoDBDocumentClient) return { document: dynamodb };
  if (dynamodb instanceof DynamoDBClient) return { document: toDocument(dynamodb) };
  const owned = new DynamoDBClient(dynamodb ?? {});
  return { document: toDocument(owned), owned };
}

function toDocument(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
