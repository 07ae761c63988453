/** The build itself: open a generation, wait, load, carry tombstones, replay the catch-up log, reconcile, gate, then flip or discard. */
import { describeError } from '../errors.ts';
import type { Generation } from '../records.ts';
import { BuildAbortedError, LeaseLostError } from './errors.ts';
import { runGate } from './gate.ts';
import { loadGeneration, type LoadResult } from './load.ts';
import { discard, flip } from './outcome.ts';
import { reconcileGeneration, type ReconcileResult } from './reconcile.ts';
import { openGeneration } from './pointer-ops.ts';
import { ProgressTracker } from './progress.ts';
import { carryTombstones, replayCatchUp } from './replay.ts';
import type { BuildReport, GateResult } from './report.ts';
import { report } from './reporting.ts';
import { phase, type Run } from './run.ts';

/**
 * Runs the phases of `run` to their end and reports it: `succeeded` after a flip, `failed` after a
 * discard (gate refused, error, abort), `abandoned` when the lease was lost. A failure ends in a
 * report, not a rejection.
 */
export async function runPhases(run: Run): Promise<BuildReport> {
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
    state.reconciliation = await reconcile(run, opened.generation, active);
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

/** Reads back what the scan missed of the active generation, unless the source's scan is stable. */
async function reconcile(run: Run, generation: Generation, active: Generation): Promise<ReconcileResult | undefined> {
  const { deps, type, settings } = run;
  if (deps.source.stableScan === true) return undefined;
  await phase(run, 'reconciling');
  const result = await reconcileGeneration({
    type, source: deps.source, records: deps.records, generation, activeGeneration: active, segments: settings.segments, pageSize: settings.pageSize,
    sampleSize: type.rebuild.gate.sampleSize, random: deps.random, clock: deps.clock, signal: run.signal,
  });
  if (result.missing > 0) {
    const { checked, missing, restored, gone } = result;
    deps.log.warn('the scan missed resources the active generation holds; they were read again', { type: type.name, buildId: run.buildId, checked, missing, restored, gone });
  }
  return result;
}

async function gate(run: Run, generation: Generation): Promise<GateResult> {
  const { deps, type, state } = run;
  return runGate({
    type, source: deps.source, records: deps.records, counter: deps.counter, generation,
    scanned: (state.load?.scanned ?? 0) + (state.replay?.replayed ?? 0) + (state.reconciliation?.restored ?? 0),
    transformErrors: (state.load?.transformErrors ?? 0) + (state.replay?.transformErrors ?? 0) + (state.reconciliation?.transformErrors ?? 0),
    sample: state.load?.sample ?? [], restored: state.reconciliation?.restoredSample, recheck: run.settings.sampleRecheck, sleep: deps.sleep, signal: run.signal,
  });
}
