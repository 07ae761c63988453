/** One build in progress: what it runs on and its settings, shared by its phases, and what the phases found. */
import type { TypeConfig } from '../config/schema.ts';
import type { EmbedStep } from '../embed/ports.ts';
import type { CatchUpLog, Clock, Notifier, PointerStore, RecordStore, Source } from '../ports.ts';
import type { Generation } from '../records.ts';
import type { ChildLoader } from './children.ts';
import type { LeaseKeeper, Sleep } from './lease.ts';
import type { LoadResult } from './load.ts';
import type { BuildRecordStore, CapacityProbe, GenerationCounter, LeaseStore, RebuildLog, RetirementStore, TableWarmer } from './ports.ts';
import type { BuildRecorder } from './recorder.ts';
import type { ReconcileResult } from './reconcile.ts';
import type { ReplayResult } from './replay.ts';
import type { BuildPhase, BuildProgress, BuildRecord, BuildReport, GateResult } from './report.ts';
import type { Retrier } from './retry.ts';
import type { RebuildOptions, Settings } from './settings.ts';

/** What a rebuild runs on. */
export interface RebuildDeps {
  source: Source;
  pointers: PointerStore;
  records: RecordStore;
  catchUp: CatchUpLog;
  leases: LeaseStore;
  builds: BuildRecordStore;
  retirements: RetirementStore;
  notifier: Notifier;
  /** @default counts live records with `records.scanGeneration` */
  counter?: GenerationCounter;
  /** The index table's capacity, which sets the clean-up rate. @default none: a store without capacity modes */
  capacity?: CapacityProbe;
  /** Loads the generation in child processes (an array job) when the settings split the load. @default the build loads itself */
  children?: ChildLoader;
  /** Raises the index table's warm throughput before a large load. @default none */
  warmer?: TableWarmer;
  clock: Clock;
  /** @default setTimeout */
  sleep?: Sleep;
  /** @default Math.random */
  random?: () => number;
  /** @default silent */
  log?: RebuildLog;
  /** Called with every progress report of the load (the job turns them into metrics). */
  onProgress?: (type: string, progress: BuildProgress, phase: BuildPhase) => void;
  /** The type's embed step (core/embed): the load, the replay and the reconciliation embed through it. @default none */
  embed?: EmbedStep | undefined;
  /** Called when a phase starts (logs, crash tests). */
  onPhase?: (type: string, phase: BuildPhase, buildId: string) => void;
}

/** `RebuildDeps` with every default filled in (its ports' calls retried, see retrying.ts). */
export type RunDeps = Omit<RebuildDeps, 'counter'> & { counter: GenerationCounter; sleep: Sleep; random: () => number; log: RebuildLog };

/** A build in progress: what its phases share. What they find flows as `BuildFacts` values. */
export interface Run {
  deps: RunDeps;
  type: TypeConfig;
  options: RebuildOptions;
  settings: Settings;
  buildId: string;
  startedAt: number;
  signal: AbortSignal;
  keeper: LeaseKeeper;
  recorder: BuildRecorder;
  retrier: Retrier;
}

/** What a build found and did so far: each phase returns its part, the orchestrator adds it, the report reads it. */
export interface BuildFacts {
  generation?: Generation;
  activeBefore?: Generation;
  activeAfter?: Generation;
  load?: LoadResult;
  carried: number;
  replay?: ReplayResult;
  reconciliation?: ReconcileResult;
  gate?: GateResult;
  retired: Generation[];
  recovered?: BuildReport['recovered'];
  warmThroughput?: BuildReport['warmThroughput'];
}

/** Enters a phase: stops here if the build was aborted, else logs it and records it on the build record. */
export async function phase(run: Run, name: BuildPhase, patch: Partial<BuildRecord> = {}): Promise<void> {
  run.signal.throwIfAborted();
  await enter(run, name, patch);
}

/** Enters a phase even when the build was aborted (discarding after a stop). A failed record save is logged: the build goes on. */
export async function enter(run: Run, name: BuildPhase, patch: Partial<BuildRecord> = {}): Promise<void> {
  run.deps.log.info(`rebuild phase: ${name}`, { type: run.type.name, buildId: run.buildId, phase: name, ...patch });
  run.deps.onPhase?.(run.type.name, name, run.buildId);
  await run.recorder.update({ phase: name, ...patch }).catch((error: unknown) => {
    run.deps.log.warn('could not record the build phase', { type: run.type.name, buildId: run.buildId, phase: name, error: String(error) });
  });
}

/** A build id that sorts by start time: `20260101T030000123Z-k3f9x2`. */
export function newBuildId(now: number, random: () => number): string {
  const stamp = new Date(now).toISOString().replace(/[-:.]/g, '');
  const suffix = Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0');
  return `${stamp}-${suffix}`;
}
