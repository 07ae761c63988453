import type { TypeConfig } from '../config/schema.ts';
import { describeError } from '../errors.ts';
import type { CatchUpLog, Clock, Notifier, PointerStore, RecordStore, Source } from '../ports.ts';
import type { Generation } from '../records.ts';
import { runRetirements, type CleanupResult } from './cleanup.ts';
import { scanCounter } from './count.ts';
import { BuildAbortedError, LeaseLostError } from './errors.ts';
import { runGate } from './gate.ts';
import { acquireLease, LeaseKeeper, realSleep, type LeaseTiming, type Sleep } from './lease.ts';
import { loadGeneration, type LoadResult } from './load.ts';
import { discardBuilding, flipGeneration, openGeneration } from './pointer-ops.ts';
import type { BuildRecordStore, GenerationCounter, LeaseStore, RebuildLog, RetirementStore } from './ports.ts';
import { silentLog } from './ports.ts';
import { ProgressTracker } from './progress.ts';
import { recoverUnfinished } from './recover.ts';
import { BuildRecorder } from './recorder.ts';
import { carryTombstones, replayCatchUp, type ReplayResult } from './replay.ts';
import type { BuildPhase, BuildProgress, BuildRecord, BuildReport, GateResult } from './report.ts';

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
  clock: Clock;
  /** @default setTimeout */
  sleep?: Sleep;
  /** @default Math.random */
  random?: () => number;
  /** @default silent */
  log?: RebuildLog;
  /** Called with every progress report of the load (the job turns them into metrics). */
  onProgress?: (type: string, progress: BuildProgress, phase: BuildPhase) => void;
  /** Called when a phase starts (logs, crash tests). */
  onPhase?: (type: string, phase: BuildPhase, buildId: string) => void;
}

/** Settings of a rebuild; only the first three have no default. */
export interface RebuildOptions {
  /** The pointer-cache lifetime of appliers and readers (config.pointerCacheSeconds × 1000). */
  pointerCacheMs: number;
  tombstoneTtlSeconds: number;
  /** Who runs the build (host, Batch job id), shown when another build is refused. */
  holder: string;
  /** Added to every wait on the pointer-cache lifetime, for clocks that run at slightly different rates. @default 1000 */
  settleMarginMs?: number;
  /** @default ttl 60 s, heartbeat ttl / 4, wait ttl + 1 s (long enough for a crashed holder's lease to run out) */
  lease?: Partial<LeaseTiming>;
  /** Parallel scan segments. @default the type's `rebuild.concurrency`, else derived from the source's size estimate */
  concurrency?: number;
  /** @default 500 */
  pageSize?: number;
  /** @default 100 */
  chunkSize?: number;
  /** @default 8 */
  writesInFlight?: number;
  /** @default 5000 */
  progressIntervalMs?: number;
  /** @default 3 attempts, 1000 ms apart */
  sampleRecheck?: { attempts: number; delayMs: number };
  /** Deletes per second of the clean-up. @default 200 */
  cleanupDeletesPerSecond?: number;
  /** @default a sortable id from the clock */
  buildId?: string;
  signal?: AbortSignal;
}

export interface RebuildResult {
  report: BuildReport;
  cleanup: CleanupResult;
}

interface Settings {
  graceMs: number;
  lease: LeaseTiming;
  segments: number;
  total: number | undefined;
  pageSize: number;
  chunkSize: number;
  writesInFlight: number;
  progressIntervalMs: number;
  sampleRecheck: { attempts: number; delayMs: number };
  deletesPerSecond: number;
}

interface Run {
  deps: RebuildDeps & { sleep: Sleep; random: () => number; log: RebuildLog; counter: GenerationCounter };
  type: TypeConfig;
  options: RebuildOptions;
  settings: Settings;
  buildId: string;
  startedAt: number;
  signal: AbortSignal;
  keeper: LeaseKeeper;
  recorder: BuildRecorder;
  state: {
    generation?: Generation;
    activeBefore?: Generation;
    activeAfter?: Generation;
    load?: LoadResult;
    carried: number;
    replay?: ReplayResult;
    gate?: GateResult;
    retired: Generation[];
    recovered?: BuildReport['recovered'];
  };
}

/**
 * Rebuilds one type into a new generation and flips it live if it passes the gate (see
 * docs/rebuild.md for the protocol and why no change is lost or resurrected):
 *
 * lease → recover an unfinished build → open a building generation → wait the pointer-cache
 * lifetime → parallel streaming load → carry tombstones → replay the catch-up log → gate →
 * flip (or discard) → report → rate-limited clean-up of retired generations.
 *
 * Resolves with the report whatever the outcome; rejects only when the lease cannot be taken
 * (`LeaseHeldError`) or the control records cannot be read at all.
 */
export async function rebuildType(deps: RebuildDeps, type: TypeConfig, options: RebuildOptions): Promise<RebuildResult> {
  const full = {
    ...deps,
    sleep: deps.sleep ?? realSleep,
    random: deps.random ?? Math.random,
    log: deps.log ?? silentLog,
    counter: deps.counter ?? scanCounter(deps.records, options.concurrency ?? type.rebuild.concurrency ?? 4),
  };
  const settings = await resolveSettings(full, type, options);
  const buildId = options.buildId ?? newBuildId(deps.clock(), full.random);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const lease = await acquireLease(full.leases, { type: type.name, buildId, holder: options.holder }, settings.lease, deps.clock, full.sleep, signal);
  const keeper = new LeaseKeeper(full.leases, lease, settings.lease, deps.clock, full.log, (lost) => stop.abort(lost));
  keeper.start();
  let report: BuildReport;
  try {
    const recovered = await recoverUnfinished({ type: type.name, pointers: deps.pointers, builds: deps.builds, retirements: deps.retirements, clock: deps.clock, log: full.log });
    const startedAt = deps.clock();
    const recorder = new BuildRecorder(
      deps.builds,
      { type: type.name, buildId, holder: options.holder, status: 'running', phase: 'starting', startedAt, updatedAt: startedAt, progress: { done: 0, perSecond: 0 } },
      deps.clock,
      full.log,
    );
    const run: Run = { deps: full, type, options, settings, buildId, startedAt, signal, keeper, recorder, state: { carried: 0, retired: [], ...(recovered ? { recovered } : {}) } };
    await recorder.update({});
    report = await runPhases(run);
    await recorder.update({ status: report.outcome, phase: 'done', finishedAt: report.finishedAt, report }).catch((error: unknown) => {
      full.log.error('could not store the build report', { type: type.name, buildId, error: describeError(error) });
    });
  } finally {
    if (stop.signal.reason instanceof LeaseLostError) keeper.stop();
    else await keeper.release().catch((error: unknown) => full.log.warn('could not release the lease; it will expire', { error: describeError(error) }));
  }
  await publish(full, type, report);
  const cleanup = await cleanUp(full, type.name, settings, options.signal);
  return { report, cleanup };
}

/** Deletes retired generations (this build's and any a crashed build left), waiting until each is due. Never throws. */
async function cleanUp(deps: Run['deps'], type: string, settings: Settings, signal: AbortSignal | undefined): Promise<CleanupResult> {
  try {
    return await runRetirements({
      type,
      pointers: deps.pointers,
      records: deps.records,
      catchUp: deps.catchUp,
      retirements: deps.retirements,
      clock: deps.clock,
      sleep: deps.sleep,
      graceMs: settings.graceMs,
      deletesPerSecond: settings.deletesPerSecond,
      segments: settings.segments,
      waitUntilDue: true,
      log: deps.log,
      signal,
    });
  } catch (error) {
    deps.log.warn('clean-up failed; the next build resumes it', { type, error: describeError(error) });
    return { generations: [], deleted: 0, failed: [{ generation: -1, error: describeError(error) }] };
  }
}

async function runPhases(run: Run): Promise<BuildReport> {
  const { deps, type, state } = run;
  try {
    await phase(run, 'opening');
    const opened = await openGeneration(deps.pointers, type.name, run.buildId, deps.clock);
    state.generation = opened.generation;
    state.activeBefore = opened.before.active;
    await phase(run, 'waiting', { generation: opened.generation });
    // Every applier that has not seen the building generation yet will have within this wait.
    await deps.sleep(run.settings.graceMs, run.signal);
    await phase(run, 'loading');
    state.load = await load(run, opened.generation);
    await phase(run, 'carrying-tombstones');
    const active = (await deps.pointers.readPointer(type.name))?.active ?? opened.before.active;
    state.carried = await carryTombstones({ type: type.name, records: deps.records, from: active, to: opened.generation, segments: run.settings.segments, signal: run.signal });
    await phase(run, 'replaying');
    state.replay = await replayCatchUp({
      type, source: deps.source, records: deps.records, catchUp: deps.catchUp, generation: opened.generation, activeGeneration: active, batchSize: 100, concurrency: 4, signal: run.signal,
    });
    await phase(run, 'gating');
    state.gate = await gate(run, opened.generation);
    if (!state.gate.passed) return await discard(run, state.gate.reasons);
    return await flip(run, opened.generation);
  } catch (error) {
    const reason: unknown = run.signal.aborted ? run.signal.reason : error;
    if (reason instanceof LeaseLostError) return report(run, 'abandoned', [describeError(reason)]);
    const cause = run.signal.aborted ? new BuildAbortedError(type.name, reason) : error;
    deps.log.error('build failed', { type: type.name, buildId: run.buildId, error: describeError(cause) });
    return await discard(run, [describeError(cause)]);
  }
}

async function load(run: Run, generation: Generation): Promise<LoadResult> {
  const { deps, type, settings } = run;
  const progress = new ProgressTracker(
    deps.clock,
    settings.progressIntervalMs,
    (snapshot) => {
      run.recorder.progress(snapshot);
      deps.onProgress?.(type.name, snapshot, 'loading');
      deps.log.info('rebuild progress', { type: type.name, buildId: run.buildId, ...snapshot });
    },
    settings.total,
  );
  const result = await loadGeneration({
    type, source: deps.source, records: deps.records, generation, tombstoneTtlSeconds: run.options.tombstoneTtlSeconds,
    tuning: { segments: settings.segments, pageSize: settings.pageSize, chunkSize: settings.chunkSize, writesInFlight: settings.writesInFlight },
    sampleSize: type.rebuild.gate.sampleSize, clock: deps.clock, random: deps.random, progress, signal: run.signal,
  });
  progress.finish();
  return result;
}

async function gate(run: Run, generation: Generation): Promise<GateResult> {
  const { deps, type, state } = run;
  return runGate({
    type, source: deps.source, records: deps.records, counter: deps.counter, generation,
    scanned: (state.load?.scanned ?? 0) + (state.replay?.replayed ?? 0),
    transformErrors: (state.load?.transformErrors ?? 0) + (state.replay?.transformErrors ?? 0),
    sample: state.load?.sample ?? [], recheck: run.settings.sampleRecheck, sleep: deps.sleep, signal: run.signal,
  });
}

async function flip(run: Run, generation: Generation): Promise<BuildReport> {
  const { deps, type, state } = run;
  await phase(run, 'flipping');
  const flipped = await flipGeneration(deps.pointers, type.name, run.buildId, deps.clock, async (current) => {
    await run.keeper.confirm();
    await run.recorder.update({ ...(current.previous === undefined ? {} : { retires: current.previous }) });
  });
  state.activeAfter = generation;
  deps.log.info('flipped', { type: type.name, buildId: run.buildId, active: generation, previous: flipped.before.active });
  const now = deps.clock();
  if (flipped.before.previous !== undefined) {
    await deps.retirements.add({ type: type.name, generation: flipped.before.previous, records: true, retiredAt: now, reason: `replaced by generation ${generation}` });
    state.retired.push(flipped.before.previous);
  }
  await deps.retirements.add({ type: type.name, generation, records: false, retiredAt: now, reason: 'catch-up log of the flipped generation' });
  return report(run, 'succeeded', []);
}

/** A failed build: the active generation keeps serving; the building one is cleared and handed to the clean-up. */
async function discard(run: Run, reasons: string[]): Promise<BuildReport> {
  const { deps, type, state } = run;
  if (state.generation !== undefined) {
    try {
      await phase(run, 'discarding');
      const cleared = await discardBuilding(deps.pointers, type.name, run.buildId, deps.clock);
      if (cleared !== undefined) {
        await deps.retirements.add({ type: type.name, generation: cleared, records: true, retiredAt: deps.clock(), reason: `failed build ${run.buildId}` });
        state.retired.push(cleared);
      }
    } catch (error) {
      deps.log.error('could not discard the failed generation; the next build will', { type: type.name, buildId: run.buildId, error: describeError(error) });
    }
  }
  state.activeAfter = state.activeBefore;
  return report(run, 'failed', reasons);
}

async function phase(run: Run, name: BuildPhase, patch: Partial<BuildRecord> = {}): Promise<void> {
  run.signal.throwIfAborted();
  run.deps.log.info(`rebuild phase: ${name}`, { type: run.type.name, buildId: run.buildId, phase: name, ...patch });
  run.deps.onPhase?.(run.type.name, name, run.buildId);
  await run.recorder.update({ phase: name, ...patch });
}

function report(run: Run, outcome: BuildReport['outcome'], reasons: string[]): BuildReport {
  const { state } = run;
  const finishedAt = run.deps.clock();
  const durationMs = finishedAt - run.startedAt;
  const scanned = state.load?.scanned ?? 0;
  const loadSeconds = (state.load?.durationMs ?? 0) / 1000;
  const result: BuildReport = {
    type: run.type.name,
    buildId: run.buildId,
    outcome,
    reasons,
    startedAt: run.startedAt,
    finishedAt,
    durationMs,
    counts: {
      scanned,
      loaded: state.load?.loaded ?? 0,
      transformErrors: (state.load?.transformErrors ?? 0) + (state.replay?.transformErrors ?? 0),
      tombstonesCarried: state.carried,
      replayed: state.replay?.replayed ?? 0,
      ...(state.gate ? { generation: state.gate.count.actual } : {}),
    },
    throughput: {
      loadPerSecond: loadSeconds > 0 ? Math.round(scanned / loadSeconds) : 0,
      overallPerSecond: durationMs > 0 ? Math.round(scanned / (durationMs / 1000)) : 0,
    },
    errorSamples: [...(state.load?.errorSamples ?? []), ...(state.replay?.errorSamples ?? [])].slice(0, 10),
    retired: state.retired,
  };
  if (state.generation !== undefined) result.generation = state.generation;
  if (state.activeBefore !== undefined) result.activeBefore = state.activeBefore;
  if (state.activeAfter !== undefined) result.activeAfter = state.activeAfter;
  if (state.gate) result.gate = state.gate;
  if (state.recovered) result.recovered = state.recovered;
  return result;
}

/** Publishes the report, and an alert when the build did not succeed. Failures here are logged: the report is stored already. */
async function publish(deps: Run['deps'], type: TypeConfig, report: BuildReport): Promise<void> {
  try {
    await deps.notifier.report('build', type.name, { ...report });
    if (report.outcome !== 'succeeded') {
      await deps.notifier.alert({
        kind: 'build-failed',
        severity: 'critical',
        type: type.name,
        summary: `rebuild of "${type.name}" ${report.outcome === 'failed' ? 'failed' : 'was abandoned'}: ${report.reasons[0] ?? 'unknown reason'}`,
        action: `Generation ${report.activeAfter ?? '(none)'} keeps serving. Read the build report (build ${report.buildId}), fix the cause, then rebuild "${type.name}" again.`,
        details: { buildId: report.buildId, reasons: report.reasons, gate: report.gate, errorSamples: report.errorSamples },
        at: deps.clock(),
      });
    }
  } catch (error) {
    deps.log.error('could not publish the build report', { type: type.name, buildId: report.buildId, error: describeError(error) });
  }
}

async function resolveSettings(deps: Run['deps'], type: TypeConfig, options: RebuildOptions): Promise<Settings> {
  const total = deps.source.estimateCount ? await deps.source.estimateCount().catch(() => undefined) : undefined;
  const ttlMs = options.lease?.ttlMs ?? 60_000;
  return {
    graceMs: options.pointerCacheMs + (options.settleMarginMs ?? 1000),
    lease: { ttlMs, heartbeatMs: options.lease?.heartbeatMs ?? Math.max(50, Math.floor(ttlMs / 4)), waitMs: options.lease?.waitMs ?? ttlMs + 1_000 },
    segments: options.concurrency ?? type.rebuild.concurrency ?? defaultSegments(total),
    total,
    pageSize: options.pageSize ?? 500,
    chunkSize: options.chunkSize ?? 100,
    writesInFlight: options.writesInFlight ?? 8,
    progressIntervalMs: options.progressIntervalMs ?? 5_000,
    sampleRecheck: options.sampleRecheck ?? { attempts: 3, delayMs: 1_000 },
    deletesPerSecond: options.cleanupDeletesPerSecond ?? 200,
  };
}

/**
 * Scan segments from the source's size estimate: one per 25,000 documents, between 1 and 16;
 * 4 when the source cannot tell.
 */
export function defaultSegments(estimate: number | undefined): number {
  if (estimate === undefined) return 4;
  return Math.min(16, Math.max(1, Math.ceil(estimate / 25_000)));
}

/** A build id that sorts by start time: `20260101T030000123Z-k3f9x2`. */
export function newBuildId(now: number, random: () => number): string {
  const stamp = new Date(now).toISOString().replace(/[-:.]/g, '');
  const suffix = Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0');
  return `${stamp}-${suffix}`;
}
