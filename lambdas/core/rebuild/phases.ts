/** The build itself: open a generation, wait, load, carry tombstones, replay the catch-up log, reconcile, gate, then flip or discard. */
import { describeError } from '../errors.ts';
import type { Generation } from '../records.ts';
import { BuildAbortedError, LeaseLostError } from './errors.ts';
import { runGate } from './gate.ts';
import { mergeLoads } from './children.ts';
import { loadGeneration, type LoadResult } from './load.ts';
import { discard, flip } from './outcome.ts';
import { reconcileGeneration, type ReconcileResult } from './reconcile.ts';
import { openGeneration } from './pointer-ops.ts';
import { ProgressTracker } from './progress.ts';
import { carryTombstones, replayCatchUp, type ReplayResult } from './replay.ts';
import type { TableWarmer } from './ports.ts';
import type { BuildReport, GateResult } from './report.ts';
import { report } from './reporting.ts';
import { phase, type BuildFacts, type Run } from './run.ts';

/**
 * Runs the phases of `run` to their end and reports it: `succeeded` after a flip, `failed` after a
 * discard (gate refused, error), `interrupted` when the job was asked to stop before the flip,
 * `abandoned` when the lease was lost. A failure ends in a report, not a rejection.
 */
export async function runPhases(run: Run, start: BuildFacts): Promise<BuildReport> {
  const { deps, type } = run;
  let facts = start;
  try {
    await phase(run, 'opening');
    const opened = await openGeneration(deps.pointers, type.name, run.buildId, deps.clock, {
      retrier: run.retrier,
      // Noted before it exists: whatever happens from here on, the clean-up finds it.
      beforeOpen: (generation) => deps.retirements.add({ type: type.name, generation, records: true, reason: `opened by build ${run.buildId}` }),
    });
    const generation = opened.generation;
    facts = { ...facts, generation, activeBefore: opened.pointer.active };
    await phase(run, 'waiting', { generation });
    // Every applier that has not seen the building generation yet will have within this wait; the
    // table warms up meanwhile.
    const [warmThroughput] = await Promise.all([warm(run), deps.sleep(run.settings.graceMs, run.signal)]);
    if (warmThroughput) facts = { ...facts, warmThroughput };
    await phase(run, 'loading');
    facts = { ...facts, load: await load(run, generation) };
    await phase(run, 'carrying-tombstones');
    const active = (await deps.pointers.readPointer(type.name))?.active ?? opened.pointer.active;
    facts = { ...facts, carried: await carry(run, active, generation) };
    await phase(run, 'replaying');
    facts = { ...facts, replay: await replay(run, active, generation) };
    facts = { ...facts, reconciliation: await reconcile(run, generation, active) };
    await phase(run, 'gating');
    const gated = await gate(run, facts, generation);
    facts = { ...facts, gate: gated };
    if (!gated.passed) return await discard(run, facts, 'failed', gated.reasons);
    return await flip(run, facts, generation);
  } catch (error) {
    const reason: unknown = run.signal.aborted ? run.signal.reason : error;
    if (reason instanceof LeaseLostError) return report(run, facts, 'abandoned', [describeError(reason)]);
    if (run.signal.aborted) {
      const stopped = new BuildAbortedError(type.name, reason);
      deps.log.warn('build interrupted', { type: type.name, buildId: run.buildId, error: describeError(stopped) });
      return await discard(run, facts, 'interrupted', [describeError(stopped)]);
    }
    deps.log.error('build failed', { type: type.name, buildId: run.buildId, error: describeError(error) });
    return await discard(run, facts, 'failed', [describeError(error)]);
  }
}

/** Raises the index table's warm throughput to the load's rate, when the settings ask for it. A failure is logged: the load goes on. */
async function warm(run: Run): Promise<BuildReport['warmThroughput']> {
  const { deps, type, settings } = run;
  const target = settings.warmWritesPerSecond;
  if (target === undefined || !deps.warmer) return undefined;
  try {
    const result = await run.retrier.call('raise the warm throughput', () => (deps.warmer as TableWarmer).warmWrites(target), { signal: run.signal });
    if (!result) return undefined;
    deps.log.info(result.raised ? 'warm throughput raised before the load' : 'the table is warm enough for the load', { type: type.name, target, ...result });
    return { target, ...result };
  } catch (error) {
    deps.log.warn('could not raise the warm throughput; the load goes on, the table scales as it goes', { type: type.name, target, error: describeError(error) });
    return { target, raised: false, error: describeError(error) };
  }
}

async function load(run: Run, generation: Generation): Promise<LoadResult> {
  const { deps, type, settings } = run;
  if (deps.children && settings.children > 1) {
    const { segments: totalSegments, children, pageSize, chunkSize } = settings;
    const writesInFlight = Math.max(1, Math.ceil(settings.writesInFlight / children));
    deps.log.info('loading in child processes', { type: type.name, buildId: run.buildId, children, totalSegments });
    const results = await deps.children.load({ type: type.name, buildId: run.buildId, generation, totalSegments, children, pageSize, chunkSize, writesInFlight }, run.signal);
    return mergeLoads(results, type.rebuild.gate.sampleSize, deps.random);
  }
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
  progress.start();
  const result = await loadGeneration({
    type, source: deps.source, records: deps.records, generation, tombstoneTtlSeconds: run.options.tombstoneTtlSeconds,
    tuning: { segments: settings.segments, pageSize: settings.pageSize, chunkSize: settings.chunkSize, writesInFlight: settings.writesInFlight },
    sampleSize: type.rebuild.gate.sampleSize, clock: deps.clock, random: deps.random, progress, signal: run.signal, embed: deps.embed,
  });
  progress.finish();
  return result;
}

/** Tombstones of the active generation into the new one; a scan that broke off is run again (the writes are version-guarded). */
async function carry(run: Run, active: Generation, generation: Generation): Promise<number> {
  const { deps, type, settings, signal } = run;
  return run.retrier.call('carry tombstones', () => carryTombstones({ type: type.name, records: deps.records, from: active, to: generation, segments: settings.segments, signal }), { signal });
}

/** Replay batches in flight at least; a build of more segments keeps one per segment. */
export const REPLAY_BATCHES_IN_FLIGHT = 4;

/**
 * The catch-up log into the new generation; a read of the log that broke off is replayed again
 * (re-reading the source is idempotent). One batch in flight per segment: at 25,000 changes/s a
 * 10 M-item build logs millions of ids, and 4 batches would replay them slower than the load wrote.
 */
async function replay(run: Run, active: Generation, generation: Generation): Promise<ReplayResult> {
  const { deps, type, settings, signal } = run;
  const concurrency = Math.max(REPLAY_BATCHES_IN_FLIGHT, settings.segments);
  return run.retrier.call('replay the catch-up log', () =>
    replayCatchUp({ type, source: deps.source, records: deps.records, catchUp: deps.catchUp, generation, activeGeneration: active, batchSize: 100, concurrency, signal, embed: deps.embed }), { signal },
  );
}

/** Reads back what the scan missed of the active generation, unless the source's scan is stable. */
async function reconcile(run: Run, generation: Generation, active: Generation): Promise<ReconcileResult | undefined> {
  const { deps, type, settings, signal } = run;
  if (deps.source.stableScan === true) return undefined;
  await phase(run, 'reconciling');
  // A reconciliation that broke off is run again: its writes are version-guarded.
  const result = await run.retrier.call('reconcile with the active generation', () =>
    reconcileGeneration({
      type, source: deps.source, records: deps.records, generation, activeGeneration: active, segments: settings.segments, pageSize: settings.pageSize,
      sampleSize: type.rebuild.gate.sampleSize, random: deps.random, clock: deps.clock, signal, embed: deps.embed,
    }), { signal },
  );
  if (result.missing > 0) {
    const { checked, missing, restored, gone } = result;
    deps.log.warn('the scan missed resources the active generation holds; they were read again', { type: type.name, buildId: run.buildId, checked, missing, restored, gone });
  }
  return result;
}

async function gate(run: Run, facts: BuildFacts, generation: Generation): Promise<GateResult> {
  const { deps, type } = run;
  return runGate({
    type, source: deps.source, records: deps.records, counter: deps.counter, generation,
    // What the generation should hold: the scan, what the replay added or removed (its ids are mostly ones the scan loaded), what the reconciliation restored.
    scanned: (facts.load?.scanned ?? 0) + (facts.replay?.liveDelta ?? 0) + (facts.reconciliation?.restored ?? 0),
    transformErrors: (facts.load?.transformErrors ?? 0) + (facts.replay?.transformErrors ?? 0) + (facts.reconciliation?.transformErrors ?? 0),
    sample: facts.load?.sample ?? [], restored: facts.reconciliation?.restoredSample, recheck: run.settings.sampleRecheck, sleep: deps.sleep, signal: run.signal,
  });
}
