/**
 * What the reader's policy reads, and what it answers. Each store (DynamoDB, Redis) implements
 * the three reads; `freshindex/reader` wires them (lambdas/adapters/compose/reader.ts).
 */
import type { PointerStore, QuarantineStore } from '../ports.ts';
import type { Generation } from '../records.ts';
import type { SimilarItem, SimilarOptions, SimilarPorts } from '../vectors/index.ts';

/** What the reader keeps of a stored record. */
export interface IndexHit {
  id: string;
  version: number;
  /** True for a tombstone: the resource was deleted. */
  deleted: boolean;
  record?: unknown;
}

/** The store's batched read of one generation's records, projected to what a reader needs. */
export interface LiveRecordReads {
  /**
   * The records (tombstones included) of `ids` (distinct) in one generation; ids without a record
   * are absent. One id is one point read; many are as few round trips as the store allows.
   */
  read(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, IndexHit>>;
}

/** The ports of the reader: a pointer read, a quarantine read and a batched record read. */
export interface ReaderPorts {
  pointers: Pick<PointerStore, 'readPointer'>;
  quarantine: Pick<QuarantineStore, 'list'>;
  records: LiveRecordReads;
  /** What `similar` reads (records with their vectors, the vector journal) and its engine; without it `similar` refuses. */
  vectors?: Omit<SimilarPorts, 'pointers' | 'quarantine'>;
}

/**
 * Where a result came from:
 * - `index`: the live generation of the index;
 * - `fallback`: the fallback (usually the source of truth), because the resource is quarantined
 *   or its type has no live generation yet;
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
 * Reads resources from elsewhere, usually the source of truth (see `sourceFallback`): the
 * quarantined ones, and every one of a type that has no pointer yet. Returns the records it
 * found, keyed by id; ids it does not know are left out (read as missing).
 */
export type ReaderFallback = (type: string, ids: readonly string[]) => Promise<ReadonlyMap<string, unknown>>;

/**
 * Reads the live generation of the index. `Records` maps each type name to its record's shape.
 */
export interface Reader<Records extends Record<string, unknown> = Record<string, unknown>> {
  /** One resource. */
  get<T extends keyof Records & string>(type: T, id: string): Promise<ReadResult<Records[T]>>;
  /**
   * Many resources of one type, one result per requested id, in request order (a repeated id
   * gets a repeated result). One BatchGetItem per 100 distinct ids on DynamoDB, one pipelined
   * round trip on Redis.
   */
  getMany<T extends keyof Records & string>(type: T, ids: readonly string[]): Promise<Array<ReadResult<Records[T]>>>;
  /**
   * The `k` (default 10) records nearest to `id` by their vectors (the type's `embed` step), in
   * the live generation, nearest first: never a tombstone, a quarantined id or `id` itself, and
   * only records `filter` keeps. Throws `NotFoundError` for an id not in the index and
   * `NoVectorsError` for a record without a vector. See docs/vectors.md.
   */
  similar<T extends keyof Records & string>(type: T, id: string, options?: SimilarOptions<Records[T]>): Promise<Array<SimilarItem<Records[T]>>>;
  /** Forgets cached pointers and quarantine lists (of one type, or all). */
  invalidate(type?: string): void;
  /** Releases the connections the reader opened (not a client you passed in). */
  close(): Promise<void>;
}
