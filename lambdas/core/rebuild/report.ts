/**
 * What a build records about itself: its progress while it runs and its report when it ends.
 * The ops API and the CLI show these; the report is also published to the notification topic.
 */
import type { Generation } from '../records.ts';

/**
 * - `succeeded`: its generation went live; `failed`: it did not (gate, error), the old one serves;
 * - `interrupted`: the job was asked to stop (SIGTERM, Ctrl-C) before its flip, the old one serves;
 * - `abandoned`: another build took its lease.
 */
export type BuildStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'abandoned';

/** The steps of a build, in order. */
export type BuildPhase =
  | 'starting'
  | 'recovering'
  | 'opening'
  | 'waiting'
  | 'loading'
  | 'carrying-tombstones'
  | 'replaying'
  | 'reconciling'
  | 'gating'
  | 'flipping'
  | 'discarding'
  | 'done';

/** Progress of the bulk load. */
export interface BuildProgress {
  /** Documents handled (written or rejected by the transform). */
  done: number;
  /** The source's size estimate, when it offers one. */
  total?: number;
  /** Documents per second since the load started. */
  perSecond: number;
  /** Seconds left at the current rate, when `total` is known. */
  etaSeconds?: number;
}

/** The gate's count check: the generation's live count against the source's. */
export interface CountCheck {
  passed: boolean;
  expected: number;
  /** Where `expected` came from: the source's own count, or the documents the scan saw. */
  expectedFrom: 'source-estimate' | 'scan';
  actual: number;
  relativeDifference: number;
  tolerance: number;
}

/** The gate's error-rate check: documents the transform rejected, over documents scanned. */
export interface ErrorRateCheck {
  passed: boolean;
  errors: number;
  scanned: number;
  rate: number;
  maxRate: number;
}

/** The gate's sample check: random resources compared with transform(source) by content hash. */
export interface SampleCheck {
  passed: boolean;
  size: number;
  equal: number;
  /** Resources whose source moved on after the replay: a change still on its way, not a defect. */
  inFlight: number;
  mismatches: Array<{ id: string; reason: string }>;
}

export interface GateResult {
  passed: boolean;
  reasons: string[];
  count: CountCheck;
  errorRate: ErrorRateCheck;
  sample: SampleCheck;
  /** The resources the reconciliation restored (a sample), compared with transform(source); present when it restored any. */
  restored?: SampleCheck;
}

/** What the reconciliation after the load found (only for sources whose scan is not stable). */
export interface ReconciliationReport {
  /** Live records of the active generation looked up in the new one. */
  checked: number;
  /** Of those, the ones the scan did not return. */
  missing: number;
  /** Missing ones read again from the source and written into the new generation. */
  restored: number;
  /** Missing ones the source no longer has, tombstoned in the new generation. */
  gone: number;
  /** A few of the restored ids. */
  restoredIds: string[];
  durationMs: number;
}

/** The end-of-build report: stored in the build record and published to the notification topic. */
export interface BuildReport {
  type: string;
  buildId: string;
  outcome: Exclude<BuildStatus, 'running'>;
  /** Why a build failed (gate reasons or the error), empty on success. */
  reasons: string[];
  generation?: Generation;
  /** The active generation before and after the build. */
  activeBefore?: Generation;
  activeAfter?: Generation;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  counts: {
    /** Documents the scan returned. */
    scanned: number;
    /** Records written by the bulk load. */
    loaded: number;
    /** Documents the transform rejected. */
    transformErrors: number;
    /** Tombstones copied from the active generation. */
    tombstonesCarried: number;
    /** Resources re-read from the source from the catch-up log. */
    replayed: number;
    /** Resources the scan missed that the reconciliation read again and wrote; present when it ran. */
    restored?: number;
    /** Live records of the new generation, as counted by the gate. */
    generation?: number;
  };
  throughput: {
    /** Documents per second of the bulk load. */
    loadPerSecond: number;
    /** Documents per second over the whole build. */
    overallPerSecond: number;
  };
  /** The first few transform errors, to tell what broke. */
  errorSamples: string[];
  gate?: GateResult;
  /** The reconciliation after the load, when the source's scan is not stable. */
  reconciliation?: ReconciliationReport;
  /** Generations handed to the clean-up by this build. */
  retired: Generation[];
  /** Transient store errors the rebuild itself retried (throttling, 5xx, lost answers); the adapters' and the SDK's own retries come before. */
  retries?: number;
  /** The index table's warm write throughput raised before the load, when the build asked for it. */
  warmThroughput?: { target: number; before?: number; after?: number; raised: boolean; error?: string };
  /** Recovery of an earlier build that stopped without finishing, if there was one. */
  recovered?: { buildId?: string; generation?: Generation; note: string };
}

/** The clean-up after a build: deleting the generations the pointer no longer names. */
export interface CleanupProgress {
  /** `waiting`: for the pointer-cache lifetime to pass; `done`: nothing left; `interrupted`: the job was stopped; `failed`: some generations are left for the next build. */
  state: 'waiting' | 'deleting' | 'done' | 'interrupted' | 'failed';
  /** The deletion rate, and where it comes from (the table's capacity mode, or the setting). */
  deletesPerSecond: number;
  rateFrom: string;
  /** Generations still to delete. */
  pending: Generation[];
  /** Generations deleted so far. */
  deletedGenerations: Generation[];
  /** Records deleted so far. */
  deleted: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  /** Why generations are left, when the state is `failed`. */
  errors?: string[];
}

/** The control record of one build. */
export interface BuildRecord {
  type: string;
  buildId: string;
  holder: string;
  status: BuildStatus;
  phase: BuildPhase;
  generation?: Generation;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  progress: BuildProgress;
  report?: BuildReport;
  /** The clean-up after the build, once it started (it goes on after the build's status is final). */
  cleanup?: CleanupProgress;
}
