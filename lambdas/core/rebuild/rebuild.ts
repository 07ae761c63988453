import type { TypeConfig } from '../config/schema.ts';
import { describeError } from '../errors.ts';
import { runRetirements, type CleanupResult } from './cleanup.ts';
import { cleanupRate } from './cleanup-rate.ts';
import { scanCounter } from './count.ts';
import { LeaseLostError } from './errors.ts';
import { acquireLease, LeaseKeeper, realSleep } from './lease.ts';
import { runPhases } from './phases.ts';
import { silentLog } from './ports.ts';
import { recoverUnfinished } from './recover.ts';
import { BuildRecorder } from './recorder.ts';
import type { BuildReport } from './report.ts';
import { alertIfFailed, publish } from './reporting.ts';
import { Retrier } from './retry.ts';
import { retried } from './retrying.ts';
import { newBuildId, type RebuildDeps, type Run, type RunDeps } from './run.ts';
import { resolveSettings, retryPolicyOf, type RebuildOptions, type Settings } from './settings.ts';

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
 * rate-limited clean-up of retired generations → report.
 *
 * Every store call is retried on transient errors (see retry.ts). Resolves with the report
 * whatever the outcome; rejects only when the lease cannot be taken (`LeaseHeldError`) or the
 * control records cannot be read at all.
 */
export async function rebuildType(deps: RebuildDeps, type: TypeConfig, options: RebuildOptions): Promise<RebuildResult> {
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const log = deps.log ?? silentLog;
  const retrier = new Retrier({ policy: retryPolicyOf(options), sleep, random, log });
  // Built once: every phase reads its part of these and nothing else.
  const settings = await resolveSettings(deps.source, type, options, retrier, deps.records);
  const counter = deps.counter ?? scanCounter(deps.records, settings.segments);
  const full: RunDeps = { ...deps, ...retried({ ...deps, counter }, retrier), sleep, random, log };
  const buildId = options.buildId ?? newBuildId(deps.clock(), random);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const lease = await acquireLease(full.leases, { type: type.name, buildId, holder: options.holder }, settings.lease, deps.clock, sleep, signal);
  const keeper = new LeaseKeeper(full.leases, lease, settings.lease, deps.clock, log, (lost) => stop.abort(lost));
  keeper.start();
  let run: Run;
  let report: BuildReport;
  try {
    const recovered = await recoverUnfinished({ type: type.name, pointers: full.pointers, builds: full.builds, retirements: full.retirements, clock: deps.clock, log, retrier });
    const startedAt = deps.clock();
    const recorder = new BuildRecorder(
      full.builds,
      { type: type.name, buildId, holder: options.holder, status: 'running', phase: 'starting', startedAt, updatedAt: startedAt, progress: { done: 0, perSecond: 0 } },
      deps.clock,
      log,
    );
    run = { deps: full, type, options, settings, buildId, startedAt, signal, keeper, recorder, retrier };
    await recorder.update({}).catch((error: unknown) => log.warn('could not record the build start', { type: type.name, buildId, error: describeError(error) }));
    report = await runPhases(run, { carried: 0, retired: [], ...(recovered ? { recovered } : {}) });
    await recorder.update({ status: report.outcome, phase: 'done', finishedAt: report.finishedAt, report }).catch((error: unknown) => {
      log.error('could not store the build report', { type: type.name, buildId, error: describeError(error) });
    });
  } finally {
    if (stop.signal.reason instanceof LeaseLostError) keeper.stop();
    else await keeper.release().catch((error: unknown) => log.warn('could not release the lease; it will expire', { error: describeError(error) }));
  }
  // The alert goes out at once; the report after the clean-up, so it says what the clean-up did
  // and is the job's last act (nothing of the build keeps running after it).
  await alertIfFailed(full, type, report);
  const cleanup = await cleanUp(run, report, options.signal);
  await publish(full, type, report, cleanup);
  return { report, cleanup };
}

/**
 * Deletes retired generations (this build's and any an earlier run left), waiting until each is
 * due, at a rate fitting the table, its progress on the build record. Never throws.
 */
async function cleanUp(run: Run, report: BuildReport, signal: AbortSignal | undefined): Promise<CleanupResult> {
  const { deps, type, settings }: { deps: RunDeps; type: TypeConfig; settings: Settings } = run;
  const rate = await cleanupRate(settings.deletesPerSecond, deps.capacity, report.throughput.loadPerSecond, deps.log);
  try {
    const result = await runRetirements({
      type: type.name, pointers: deps.pointers, records: deps.records, catchUp: deps.catchUp, retirements: deps.retirements,
      clock: deps.clock, sleep: deps.sleep, graceMs: settings.graceMs, rate, segments: settings.segments, log: deps.log, signal, retrier: run.retrier,
      onProgress: (progress) => void run.recorder.cleanup(progress),
    });
    await run.recorder.flush();
    return result;
  } catch (error) {
    deps.log.warn('clean-up failed; the next build resumes it', { type: type.name, error: describeError(error) });
    return { generations: [], deleted: 0, failed: [{ generation: -1, error: describeError(error) }], interrupted: signal?.aborted ?? false, rate };
  }
}
