/**
 * What the ops API runs on. The handler (lambdas/handlers/api.ts) takes them from the composition
 * root's bundle (lambdas/adapters/compose/); tests wire fakes or emulators.
 */
import type { SimilarItems } from '../core/vectors/index.ts';
import type { ResolvedType } from '../core/apply.ts';
import type { BuildLauncher } from '../core/build-launcher.ts';
import type { AuditReport } from '../core/audit/report.ts';
import type { MetricsReader } from '../core/metrics.ts';
import type { PointerCache } from '../core/pointer-cache.ts';
import type { CatchUpLog, Clock, PointerStore, QuarantineStore, RecordStore } from '../core/ports.ts';
import type { GenerationCounter, Lease } from '../core/rebuild/ports.ts';
import type { BuildRecord } from '../core/rebuild/report.ts';
import type { ReservationStore } from '../core/rebuild/reservation.ts';
import type { CheckScheduler, DifferenceCounters } from '../core/verify/ports.ts';
import type { DeadLetterInbox, DeadLetterQueueName } from '../core/dead-letters.ts';

export type { BuildLauncher, BuildRequest, SubmittedBuild } from '../core/build-launcher.ts';

/** Where build and audit reports are read from (the control table on AWS). */
export interface StatusReader {
  /** The type's most recently started build. */
  latestBuild(type: string): Promise<BuildRecord | undefined>;
  /** The type's recent builds, newest first. */
  recentBuilds(type: string, limit: number): Promise<BuildRecord[]>;
  latestAudit(type: string): Promise<AuditReport | undefined>;
}

/** The structured log of the API (Powertools' Logger fits it). */
export interface ApiLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** Everything the routes use. */
export interface OpsDeps {
  types: ReadonlyMap<string, ResolvedType>;
  /** The index's records (reindex writes them; inspect reads them). */
  records: RecordStore;
  /** The pointer store itself, uncached: status and rollback read and flip the pointer there. */
  pointerStore: PointerStore;
  /** The applier's pointer cache (reindex writes through it; a rollback invalidates it). */
  pointers: PointerCache;
  catchUp: CatchUpLog;
  quarantine: QuarantineStore;
  /** The checker's counters, cleared when an operator releases a resource. */
  counters: DifferenceCounters;
  /** Where a released resource's next check is scheduled (the verify queue). Left out, none is (tests of other routes). */
  scheduler?: CheckScheduler;
  status: StatusReader;
  launcher: BuildLauncher;
  /** The build leases: a rebuild is refused (409) while a live lease is held. Optional. */
  leases?: { read(type: string): Promise<Lease | undefined> };
  /**
   * The build reservations: a rebuild is refused (409) from the moment one is requested until its
   * job took the lease, so two requests never start two rebuilds (lambdas/core/rebuild/reservation.ts).
   */
  reservations: ReservationStore;
  /** How long a reservation holds when its job never starts. @default 15 minutes */
  reservationTtlMs?: number;
  /** Counts a generation's live records for `?count=exact` (DynamoDB's `Select: COUNT`). @default a scan of `records` */
  counter?: GenerationCounter;
  /** The apply metrics of the metrics route (the console's charts). */
  metrics: MetricsReader;
  /** The dead letters of each consumer queue; a queue left out answers 501. @default none */
  deadLetters?: Partial<Record<DeadLetterQueueName, DeadLetterInbox>>;
  /** Similar items (types with an `embed` step); left out, the similar route answers 501. */
  similar?: Pick<SimilarItems, 'similar'>;
  clock: Clock;
  log: ApiLog;
}
