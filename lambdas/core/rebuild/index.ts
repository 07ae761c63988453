/** The nightly full rebuild: shadow generation, replay, gate, flip, rollback, clean-up. See docs/rebuild.md. */
export { rebuildType, defaultSegments, newBuildId, type RebuildDeps, type RebuildOptions, type RebuildResult } from './rebuild.ts';
export { rollback, liveGenerations, openGeneration, flipGeneration, discardBuilding, INITIAL_GENERATION, type RollbackResult } from './pointer-ops.ts';
export { segmentsOfChild, mergeLoads, type ChildLoader, type ChildPlan } from './children.ts';
export { loadGeneration, type LoadResult, type LoadTuning } from './load.ts';
export { ProgressTracker } from './progress.ts';
export { runRetirements, type CleanupArgs, type CleanupResult } from './cleanup.ts';
export { recoverUnfinished } from './recover.ts';
export { cleanupRate, ON_DEMAND_FLOOR, NO_CAPACITY_MODE_RATE, type CleanupRate } from './cleanup-rate.ts';
export { Retrier, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
export { scanCounter } from './count.ts';
export { realSleep, acquireLease, LeaseKeeper, type LeaseTiming, type Sleep } from './lease.ts';
export { LeaseHeldError, LeaseLostError, BuildAbortedError, NothingToRollBackError } from './errors.ts';
export { silentLog } from './ports.ts';
export type { Lease, LeaseStore, BuildRecordStore, Retirement, RetirementStore, GenerationCounter, RebuildLog, WriteCapacity, CapacityProbe, TableWarmer, WarmResult, ChildResultStore } from './ports.ts';
export type {
  BuildStatus,
  BuildPhase,
  BuildProgress,
  BuildRecord,
  BuildReport,
  CleanupProgress,
  GateResult,
  CountCheck,
  ErrorRateCheck,
  SampleCheck,
} from './report.ts';
