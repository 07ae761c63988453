/**
 * The ports of the rebuild: the build lease, the build records (progress and reports) and the
 * retirement notes of generations waiting to be deleted. All live in the control table on AWS
 * (see lambdas/adapters/dynamodb/builds.ts).
 */
import type { Generation } from '../records.ts';
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
  /** Stores the record under its build id and as the type's latest build. */
  save(record: BuildRecord): Promise<void>;
  get(type: string, buildId: string): Promise<BuildRecord | undefined>;
  /** The type's most recently started build. */
  latest(type: string): Promise<BuildRecord | undefined>;
  /** The type's builds, newest first. */
  list(type: string, limit: number): Promise<BuildRecord[]>;
}

/**
 * A generation no reader or applier may use any more, waiting for deletion. Notes are written
 * before anything is deleted and removed after, so a crash mid-way leaves a note to resume from.
 */
export interface Retirement {
  type: string;
  generation: Generation;
  /** False when only the generation's catch-up log goes (the generation itself went live). */
  records: boolean;
  /** When the generation stopped being named by the pointer (epoch ms). */
  retiredAt: number;
  reason: string;
}

/** The retirement notes of each type. */
export interface RetirementStore {
  add(retirement: Retirement): Promise<void>;
  /** The notes of a type not yet carried out. */
  pending(type: string): Promise<Retirement[]>;
  remove(type: string, generation: Generation): Promise<void>;
}

/** Counts a generation's live records (tombstones excluded), independently of the load's own counters. */
export interface GenerationCounter {
  countLive(type: string, generation: Generation): Promise<number>;
}

/** The structured log of the rebuild (Powertools' Logger fits it). */
export interface RebuildLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** A log that drops everything (tests, library use). */
export const silentLog: RebuildLog = { info() {}, warn() {}, error() {} };
