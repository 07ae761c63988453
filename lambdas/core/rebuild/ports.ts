/**
 * The ports of the rebuild: the build lease, the build records (progress and reports) and the
 * retirement notes of generations waiting to be deleted. All live in the control table on AWS
 * (see lambdas/adapters/dynamodb/builds.ts).
 */
import type { Generation } from '../records.ts';
import type { LoadResult } from './load.ts';
import type { BuildRecord } from './report.ts';

/** One build's exclusive right to rebuild a type, valid until `expiresAt` unless renewed. */
export interface Lease {
  type: string;
  buildId: string;
  /** Who holds it (host, Batch job id): shown to operators when a build is refused. */
  holder: string;
  acquiredAt: number;
  /** Epoch ms. After this instant, anyone may take the lease: its holder stopped heartbeating. */
  expiresAt: number;
}

/** The build lease of each type: one build per type at a time, and a crashed build never blocks. */
export interface LeaseStore {
  /**
   * Takes the lease if nobody holds it, its holder's lease expired before `now`, or `lease.buildId`
   * already holds it. Throws `ConflictError` otherwise.
   */
  acquire(lease: Lease, now: number): Promise<void>;
  /** Extends a held lease to `expiresAt`. Throws `ConflictError` when `lease.buildId` no longer holds it. */
  renew(lease: Lease, expiresAt: number): Promise<Lease>;
  /** Gives the lease up if `lease.buildId` still holds it; otherwise does nothing. */
  release(lease: Lease): Promise<void>;
  /** The current lease of a type, expired or not. */
  read(type: string): Promise<Lease | undefined>;
}

/** The build records of each type: one per build, and the latest one for quick status reads. */
export interface BuildRecordStore {
  /**
   * Stores the record under its build id and, unless `latest` is false, as the type's latest
   * build. The clean-up saves its progress with `latest: false`: it runs after the lease was
   * released, and a newer build may be the latest by then.
   */
  save(record: BuildRecord, options?: { latest?: boolean }): Promise<void>;
  get(type: string, buildId: string): Promise<BuildRecord | undefined>;
  /** The type's most recently started build. */
  latest(type: string): Promise<BuildRecord | undefined>;
  /** The type's builds, newest first. */
  list(type: string, limit: number): Promise<BuildRecord[]>;
}

/**
 * A note for a generation that may hold records, from before anything is written into it until
 * its records are deleted: a build notes its generation before it opens it, so a crash, a lost
 * answer or a failed write at any point leaves a note to finish from, never a leaked generation.
 * The clean-up deletes a noted generation once the pointer no longer names it.
 */
export interface Retirement {
  type: string;
  generation: Generation;
  /** False when only the generation's catch-up log goes (the generation itself went live). */
  records: boolean;
  /**
   * When the generation was known to have left the pointer (epoch ms); undefined while it may
   * still be named (noted at open, or serving). The clean-up waits the pointer-cache lifetime
   * after this instant, setting it when it first sees the generation gone.
   */
  retiredAt?: number;
  reason: string;
}

/** The retirement notes of each type, and how far generations without a note were swept. */
export interface RetirementStore {
  /**
   * Writes a note, replacing an earlier one of the same generation and kind: a generation has at
   * most one note for its records and one for its catch-up log alone (`records: false`).
   */
  add(retirement: Retirement): Promise<void>;
  /** The notes of a type not yet carried out. */
  pending(type: string): Promise<Retirement[]>;
  remove(type: string, generation: Generation, records: boolean): Promise<void>;
  /**
   * Every generation of the type below this one that may hold records has a note (1 when never
   * swept). Generations left by versions of freshindex that noted them late are found this way.
   */
  sweptBelow(type: string): Promise<Generation>;
  markSwept(type: string, below: Generation): Promise<void>;
}

/** The index table's write capacity, which sets the clean-up's deletion rate. */
export type WriteCapacity =
  | { mode: 'on-demand'; /** The table's `MaxWriteRequestUnits`, when one is set. */ maxWritesPerSecond?: number }
  | { mode: 'provisioned'; /** Provisioned write capacity units (the smallest of the table and its indexes). */ writesPerSecond: number };

/** Tells the index table's write capacity; undefined when it cannot (a store without capacity modes, or no permission). */
export interface CapacityProbe {
  writeCapacity(): Promise<WriteCapacity | undefined>;
}

/** What raising the index table's warm throughput did. */
export interface WarmResult {
  /** The table's warm write throughput before (units per second), when it told. */
  before?: number;
  /** The warm write throughput now. */
  after: number;
  /** False when the table was warm enough already. */
  raised: boolean;
}

/**
 * Raises an on-demand table's warm throughput before a large load, so the load's writes are
 * served from its start instead of throttling while the table scales (it takes twice its previous
 * peak at once). Undefined: nothing to raise (a provisioned table, a store without capacity modes).
 */
export interface TableWarmer {
  warmWrites(writesPerSecond: number): Promise<WarmResult | undefined>;
}

/** Counts a generation's live records (tombstones excluded), independently of the load's own counters. */
export interface GenerationCounter {
  countLive(type: string, generation: Generation): Promise<number>;
}

/**
 * The results of a split load's children, where a child on AWS Batch leaves its result for the
 * parent (a container's output does not reach the parent): the gate needs each child's scanned,
 * rejected and sampled documents. A child run again replaces its earlier result. Results expire
 * on their own after a week.
 */
export interface ChildResultStore {
  save(type: string, buildId: string, child: number, result: LoadResult): Promise<void>;
  /** The results saved for the build, by child index. */
  list(type: string, buildId: string): Promise<Map<number, LoadResult>>;
}

/** The structured log of the rebuild (Powertools' Logger fits it). */
export interface RebuildLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** A log that drops everything (tests, library use). */
export const silentLog: RebuildLog = { info() {}, warn() {}, error() {} };
