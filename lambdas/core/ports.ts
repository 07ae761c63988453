/**
 * The ports the domain declares. Adapters (lambdas/adapters) implement them; the core never
 * imports an adapter. Each port is as narrow as its callers need, so a second backend (Redis,
 * another source) implements the same contract and passes the same test suite.
 */
import type { Pointer } from './pointer.ts';
import type { Generation, RecordWrite, StoredRecord, WriteResult } from './records.ts';

/** A source document: whatever the CMS holds, as parsed JSON. */
export type SourceDoc = Record<string, unknown>;

/** Options of a parallel, paged scan: segment `segment` of `totalSegments`. */
export interface ScanOptions {
  segment: number;
  totalSegments: number;
  /** A hint for the page size; a source may return less. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** The source of truth of one resource type. Errors surface as `SourceError`. */
export interface Source {
  /** One document, or `undefined` when the source says it does not exist (a delete). */
  get(id: string): Promise<SourceDoc | undefined>;
  /**
   * Many documents by id; ids the source does not know are absent from the map. Each id is read
   * on its own account: when some reads fail, the others are still made and the call rejects
   * with a `PartialReadError` holding what was read and why each failed id failed (see
   * `readEach`). A source refusing the credentials fails with `widespread` errors.
   */
  getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>>;
  /** Every document, page by page, in one of `totalSegments` disjoint segments. */
  scan(options: ScanOptions): AsyncIterable<SourceDoc[]>;
  /** How many documents the source holds, when it can tell cheaply. */
  estimateCount?(): Promise<number | undefined>;
  /**
   * True when a scan returns every document that exists from its start to its end, whatever is
   * inserted or deleted meanwhile (keyset cursors, a snapshot). The rebuild then skips its
   * reconciliation. Absent or false: the rebuild reconciles after the load (docs/rebuild.md).
   */
  readonly stableScan?: boolean;
}

/** Reads and conditionally replaces the per-type pointer. */
export interface PointerStore {
  /** The type's pointer, or `undefined` if the type was never indexed. */
  readPointer(type: string): Promise<Pointer | undefined>;
  /**
   * Writes `next` if the stored pointer still has `expected.revision` (or, when `expected` is
   * `undefined`, if there is none yet). Throws `ConflictError` otherwise.
   */
  swapPointer(expected: Pointer | undefined, next: Pointer): Promise<void>;
}

/** The records of every generation of every type. */
export interface RecordStore {
  /** The stored records (tombstones included) of `ids` in one generation. Missing ids are absent. */
  getRecords(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, StoredRecord>>;
  /**
   * Version-guarded writes (see `guard`), one result per write, in order. A conditional check
   * that fails is an answer (`stale` or `unchanged`), also when it meets this call's own earlier
   * attempt whose response was lost. Each write is tried on its own account: when some fail, the
   * others are still made and the call rejects with a `PartialWriteError` holding one outcome per
   * write (see `settleWrites`), so a caller that ignores the result can never drop a failure.
   * The writes of one call name distinct ids (callers collapse a resource's changes first): two
   * writes of one id in one call land in no given order (DynamoDB sends them concurrently).
   */
  write(type: string, generation: Generation, writes: readonly RecordWrite[]): Promise<WriteResult[]>;
  /**
   * Records per `bulkPut` call this store writes best: the rebuild's chunk when none is set
   * (a Redis pipeline carries many more than a DynamoDB batch). @default 100
   */
  readonly bulkChunkSize?: number;
  /** Unconditional bulk writes into a generation no reader uses yet (the rebuild's load). */
  bulkPut(type: string, generation: Generation, records: readonly StoredRecord[]): Promise<void>;
  /** Every record of one generation, in pages, in one of `totalSegments` disjoint segments. */
  scanGeneration(type: string, generation: Generation, options: ScanOptions): AsyncIterable<StoredRecord[]>;
  /**
   * The ids of one generation (tombstones included), in pages, in one of `totalSegments` disjoint
   * segments: what deleting a generation needs, reading only that generation and, where the store
   * can, no record values.
   */
  scanIds(type: string, generation: Generation, options: ScanOptions): AsyncIterable<string[]>;
  /** Removes records of one generation (clean-up of retired or failed generations). */
  deleteRecords(type: string, generation: Generation, ids: readonly string[]): Promise<void>;
}

/**
 * The catch-up log: the resources changed while a generation is building, replayed into it
 * before the flip.
 */
export interface CatchUpLog {
  record(type: string, generation: Generation, ids: readonly string[]): Promise<void>;
  /** The logged ids, page by page. */
  read(type: string, generation: Generation): AsyncIterable<string[]>;
  /** Forgets the log of a generation once it was replayed or abandoned. */
  clear(type: string, generation: Generation): Promise<void>;
  /** Forgets these ids of a generation's log (an applier withdrawing what it logged after the log was cleared). */
  forget(type: string, generation: Generation, ids: readonly string[]): Promise<void>;
}

/** The clock, injected so tests control time. Epoch milliseconds. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** A resource the checker no longer trusts: readers serve it from the source until it is released. */
export interface QuarantineEntry {
  type: string;
  id: string;
  /** When it was quarantined (epoch ms). */
  since: number;
  /** Differences seen in a row when it was quarantined. */
  differences: number;
  /** Human-readable description of the last difference. */
  lastDifference: string;
  /** Clean checks in a row since it was quarantined (release after the type's setting). */
  cleanChecks: number;
}

/** The quarantine ("supported list" of the original design), per type. */
export interface QuarantineStore {
  /** Every quarantined resource of a type. Small by nature: quarantine is the exception. */
  list(type: string): Promise<QuarantineEntry[]>;
  get(type: string, id: string): Promise<QuarantineEntry | undefined>;
  /** Quarantines a resource; `true` only for the call that actually added it (alert once). */
  add(entry: QuarantineEntry): Promise<boolean>;
  /** Records one more clean check; returns the new count, or `undefined` if not quarantined. */
  recordCleanCheck(type: string, id: string): Promise<number | undefined>;
  /** Releases a resource; `true` if it was quarantined. */
  release(type: string, id: string): Promise<boolean>;
}

/**
 * An alert for operators: what happened, to which type and resource, and what to do next.
 * Delivered by the alerts topic (email, chat webhooks).
 */
export interface Alert {
  /** A stable machine-readable kind, e.g. `build-failed`, `resource-quarantined`, `audit-drift`. */
  kind: string;
  severity: 'warning' | 'critical';
  type: string;
  id?: string;
  /** One sentence: what happened. */
  summary: string;
  /** What the operator should do next. */
  action: string;
  details: Record<string, unknown>;
  /** Epoch ms. */
  at: number;
}

/** Publishes alerts and end-of-run reports (build, audit) for operators and other systems. */
export interface Notifier {
  alert(alert: Alert): Promise<void>;
  report(kind: 'build' | 'audit', type: string, report: Record<string, unknown>): Promise<void>;
}
