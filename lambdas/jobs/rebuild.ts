import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { TypeConfig } from '../core/config/index.ts';
import { describeError } from '../core/errors.ts';
import { LeaseHeldError, rebuildType, type BuildProgress, type RebuildDeps } from '../core/rebuild/index.ts';
import { settlingReservation } from '../core/rebuild/reservation.ts';
import type { JobContext } from './context.ts';
import { EXIT, type JobArgs, type JobCommand } from './exit.ts';

/**
 * `rebuild --type T`: rebuilds one type, or every type one after another when no type is named.
 * Exits 0 when every build went live (and its clean-up finished), 1 when one failed (its old
 * generation keeps serving), 3 when another build of a type is still running, 130 when the job
 * was asked to stop before it finished.
 */
export const rebuildCommand: JobCommand = {
  summary: 'rebuild one type (--type T) or every type into a new generation and flip it live',
  async run(context: JobContext, args: JobArgs): Promise<number> {
    const types = args.types.length > 0 ? args.types : context.runtime.config.types;
    let exit: number = EXIT.ok;
    for (const type of types) {
      if (context.signal.aborted) break;
      exit = Math.max(exit, await rebuildOne(context, type));
    }
    return context.signal.aborted ? EXIT.interrupted : exit;
  },
};

async function rebuildOne(context: JobContext, type: TypeConfig): Promise<number> {
  const { runtime, logger } = context;
  try {
    const { report, cleanup } = await rebuildType(rebuildDeps(context, type), type, {
      pointerCacheMs: runtime.config.pointerCacheSeconds * 1000,
      tombstoneTtlSeconds: runtime.config.tombstoneTtlSeconds,
      holder: context.holder,
      settleMarginMs: context.env.FRESHINDEX_REBUILD_SETTLE_MARGIN_MS,
      lease: { ttlMs: context.env.FRESHINDEX_REBUILD_LEASE_SECONDS * 1000 },
      ...(context.env.FRESHINDEX_CLEANUP_DELETES_PER_SECOND === undefined ? {} : { cleanupDeletesPerSecond: context.env.FRESHINDEX_CLEANUP_DELETES_PER_SECOND }),
      ...(context.env.FRESHINDEX_REBUILD_CONCURRENCY === undefined ? {} : { concurrency: context.env.FRESHINDEX_REBUILD_CONCURRENCY }),
      ...(context.env.FRESHINDEX_REBUILD_WRITES_IN_FLIGHT === undefined ? {} : { writesInFlight: context.env.FRESHINDEX_REBUILD_WRITES_IN_FLIGHT }),
      ...(context.env.FRESHINDEX_REBUILD_CHILDREN === undefined ? {} : { children: context.env.FRESHINDEX_REBUILD_CHILDREN }),
      ...(context.env.FRESHINDEX_REBUILD_WARM_WRITES_PER_SECOND === undefined ? {} : { warmWritesPerSecond: context.env.FRESHINDEX_REBUILD_WARM_WRITES_PER_SECOND }),
      signal: context.signal,
    });
    logger.info('build report', { report: { ...report }, cleanup: { ...cleanup } });
    publishOutcome(context, type.name, report.outcome, report.durationMs);
    if (report.outcome === 'interrupted' || cleanup.interrupted) return EXIT.interrupted;
    return report.outcome === 'succeeded' ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (error instanceof LeaseHeldError) {
      logger.warn('another build of this type is running; not starting a second one', { type: type.name, error: describeError(error) });
      // This job gives its reservation up: the ops API accepts the next request at once.
      await context.runtime.reservations.settle(type.name, context.env.AWS_BATCH_JOB_ID).catch(() => undefined);
      return EXIT.busy;
    }
    logger.error('rebuild could not run', { type: type.name, error: describeError(error) });
    // A build that never ran failed too: the rebuild-failed alarm must see it.
    publishFailedToRun(context, type.name);
    return EXIT.error;
  }
}

function rebuildDeps(context: JobContext, type: TypeConfig): RebuildDeps {
  const { runtime } = context;
  const resolved = runtime.types.get(type.name);
  if (!resolved) throw new Error(`type "${type.name}" has no source`);
  return {
    source: resolved.source,
    embed: resolved.embed,
    pointers: runtime.pointerStore,
    records: runtime.records,
    catchUp: runtime.catchUp,
    // Taking the lease settles the ops API's reservation of this job (core/rebuild/reservation.ts).
    leases: settlingReservation(runtime.builds, runtime.reservations, context.env.AWS_BATCH_JOB_ID, (error) =>
      context.logger.warn('could not settle the rebuild reservation; it expires by itself', { type: type.name, error: describeError(error) }),
    ),
    builds: runtime.builds,
    retirements: runtime.builds,
    ...(runtime.counter ? { counter: runtime.counter } : {}),
    ...(runtime.capacity ? { capacity: runtime.capacity, warmer: runtime.capacity } : {}),
    ...(context.children ? { children: context.children } : {}),
    notifier: runtime.notifier,
    clock: runtime.clock,
    log: {
      info: (message, attributes) => context.logger.info(message, { ...attributes }),
      warn: (message, attributes) => context.logger.warn(message, { ...attributes }),
      error: (message, attributes) => context.logger.error(message, { ...attributes }),
    },
    onProgress: (typeName, progress) => publishProgress(context, typeName, progress),
  };
}

/** Progress as CloudWatch metrics (EMF in the job's log stream): items done, items per second, ETA. */
function publishProgress(context: JobContext, type: string, progress: BuildProgress): void {
  const { metrics } = context;
  metrics.addDimension('type', type);
  metrics.addMetric('RebuildItemsDone', MetricUnit.Count, progress.done);
  metrics.addMetric('RebuildItemsPerSecond', MetricUnit.CountPerSecond, progress.perSecond);
  if (progress.etaSeconds !== undefined) metrics.addMetric('RebuildEtaSeconds', MetricUnit.Seconds, progress.etaSeconds);
  metrics.publishStoredMetrics();
}

/**
 * The build's outcome: `RebuildSucceeded` and `RebuildFailed` both, one of them 1 and the other 0,
 * so the rebuild-failed alarm (treating missing data as "keep the state") goes back to OK on the
 * next build that goes live, not an hour after the failure.
 */
function publishOutcome(context: JobContext, type: string, outcome: string, durationMs: number): void {
  const { metrics } = context;
  const succeeded = outcome === 'succeeded';
  metrics.addDimension('type', type);
  metrics.addMetric('RebuildSucceeded', MetricUnit.Count, succeeded ? 1 : 0);
  metrics.addMetric('RebuildFailed', MetricUnit.Count, succeeded ? 0 : 1);
  metrics.addMetric('RebuildDurationSeconds', MetricUnit.Seconds, Math.round(durationMs / 1000));
  metrics.publishStoredMetrics();
}

/** `RebuildFailed` 1 for a build that could not run (no report, so no duration). */
function publishFailedToRun(context: JobContext, type: string): void {
  context.metrics.addDimension('type', type);
  context.metrics.addMetric('RebuildFailed', MetricUnit.Count, 1);
  context.metrics.publishStoredMetrics();
}
