/** The nightly full rebuild: shadow generation, replay, gate, flip, rollback, clean-up. See docs/rebuild.md. */
export { rebuildType, defaultSegments, newBuildId, type RebuildDeps, type RebuildOptions, type RebuildResult } from './rebuild.ts';
export { rollback, liveGenerations, openGeneration, flipGeneration, discardBuilding, type RollbackResult } from './pointer-ops.ts';
export { runRetirements, type CleanupArgs, type CleanupResult } from './cleanup.ts';
export { recoverUnfinished } from './recover.ts';
export { scanCounter } from './count.ts';
export { realSleep, acquireLease, LeaseKeeper, type LeaseTiming, type Sleep } from './lease.ts';
export { LeaseHeldError, LeaseLostError, BuildAbortedError, NothingToRollBackError } from './errors.ts';
export { silentLog } from './ports.ts';
export type { Lease, LeaseStore, BuildRecordStore, Retirement, RetirementStore, GenerationCounter, RebuildLog } from './ports.ts';
export type {
  BuildStatus,
  BuildPhase,
  BuildProgress,
  BuildRecord,
  BuildReport,
  GateResult,
  CountCheck,
  ErrorRateCheck,
  SampleCheck,
} from './report.ts';
