import type { TypeConfig } from '../config/schema.ts';
import { describeError } from '../errors.ts';
import { runRetirements, type CleanupResult } from './cleanup.ts';
import { scanCounter } from './count.ts';
import { LeaseLostError } from './errors.ts';
import { acquireLease, LeaseKeeper, realSleep } from './lease.ts';
import { runPhases } from './phases.ts';
import { silentLog } from './ports.ts';
import { recoverUnfinished } from './recover.ts';
import { BuildRecorder } from './recorder.ts';
import type { BuildReport } from './report.ts';
import { publish } from './reporting.ts';
import { newBuildId, type RebuildDeps, type Run, type RunDeps } from './run.ts';
import { resolveSettings, type RebuildOptions, type Settings } from './settings.ts';

export { newBuildId, type RebuildDeps } from './run.ts';
export { defaultSegments, type RebuildOptions } from './settings.ts';

/** What a rebuild ends with: its report and what the clean-up after it did. */
export interface RebuildResult {
  report: BuildReport;
  cleanup: CleanupResult;
}

/**
 * Rebuilds one type into a new generation and flips it live if it passes the gate (see
 * docs/rebuild.md for the protocol and why no change is lost or resurrected):
 *
 * lease → recover an unfinished build → open a building generation → wait the pointer-cache
 * lifetime → parallel streaming load → carry tombstones → replay the catch-up log → reconcile
 * with the active generation (sources whose scan is not stable) → gate → flip (or discard) →
 * report → rate-limited clean-up of retired generations.
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
  const settings = await resolveSettings(full.source, type, options);
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
async function cleanUp(deps: RunDeps, type: string, settings: Settings, signal: AbortSignal | undefined): Promise<CleanupResult> {
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
