/**
 * The monitor's Lambda handler: EventBridge invokes it every five minutes (the scheduled checks:
 * per-type gauges, jobs stuck in RUNNABLE) and on each "Batch Job State Change" of freshindex's
 * job queue to FAILED (a `batch-job-failed` alert). Thin by design: read the event, call the core
 * (lambdas/core/monitor/), publish the figures as metrics (EMF).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import type { Runtime, RuntimeOverrides } from '../adapters/compose/index.ts';
import { parseEnv, runtimeFromEnv, type Environment } from '../adapters/compose/env.ts';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import { jobFromDetail, reportFailedJob, runScheduledChecks, type BatchJobDetail, type MonitorDeps, type MonitorReport } from '../core/monitor/monitor.ts';
import { TypeMetrics } from './metrics.ts';

export interface MonitorHandlerOverrides extends RuntimeOverrides {
  /** @default process.env */
  env?: Environment;
  /** The bundle to run on. @default the composition root's, from `env` */
  runtime?: Runtime;
  logger?: Logger;
  metrics?: Metrics;
}

/** What EventBridge hands the function: a scheduled event, or a Batch job's state change. */
export interface MonitorEvent {
  source?: string;
  'detail-type'?: string;
  detail?: unknown;
}

/** What one invocation did. */
export type MonitorOutcome = { kind: 'scheduled'; report: MonitorReport } | { kind: 'job-failed'; jobId: string; alerted: boolean } | { kind: 'ignored'; reason: string };

/** The fields of a Batch job state change the monitor reads; the rest passes through. */
const jobChange = z.looseObject({
  jobId: z.string().min(1),
  jobName: z.string().optional(),
  jobQueue: z.string().optional(),
  status: z.string(),
});

export type MonitorHandler = (event: MonitorEvent) => Promise<MonitorOutcome>;

/**
 * Builds the monitor's handler for a config. Environment and clients are resolved once, at cold
 * start. A scheduled run that could not read everything publishes what it read, then fails (so
 * the function's Errors metric shows it and EventBridge retries); a failed job's alert that cannot
 * be published fails the invocation too (EventBridge retries it).
 *
 * @example
 * // the generated Lambda entry:
 * import { config } from './freshindex.config.ts';
 * export const handler = createMonitorHandler(config);
 */
export function createMonitorHandler(configInput: FreshindexConfigInput, overrides: MonitorHandlerOverrides = {}): MonitorHandler {
  const processEnv = overrides.env ?? process.env;
  const { env, runtime } = overrides.runtime
    ? { env: parseEnv('monitor', processEnv), runtime: overrides.runtime }
    : runtimeFromEnv('monitor', configInput, processEnv, overrides);
  const deps: MonitorDeps = { types: runtime.config.types, builds: runtime.builds, quarantine: runtime.quarantine, jobs: runtime.jobWatch, notifier: runtime.notifier, clock: runtime.clock };
  const options = {
    stuckAfterMinutes: env.FRESHINDEX_MONITOR_STUCK_MINUTES,
    rebuildGraceMs: env.FRESHINDEX_MONITOR_REBUILD_GRACE_MINUTES * 60_000,
    timezone: env.FRESHINDEX_SCHEDULE_TIMEZONE,
  };
  const logger = overrides.logger ?? new Logger({ serviceName: 'freshindex-monitor' });
  const metrics = overrides.metrics ?? new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-monitor' });

  return async (event) => {
    if (event['detail-type'] === 'Batch Job State Change') {
      const parsed = jobChange.safeParse(event.detail);
      if (!parsed.success) {
        logger.error('a Batch job state change without a job id or status: ignored', { detail: event.detail });
        return { kind: 'ignored', reason: 'unreadable job state change' };
      }
      if (parsed.data.status !== 'FAILED') return { kind: 'ignored', reason: `job ${parsed.data.jobId} is ${parsed.data.status}` };
      const alert = await reportFailedJob(deps, jobFromDetail(parsed.data as BatchJobDetail));
      logger.warn('a Batch job failed', { jobId: parsed.data.jobId, jobName: parsed.data.jobName, alerted: alert !== undefined });
      return { kind: 'job-failed', jobId: parsed.data.jobId, alerted: alert !== undefined };
    }
    const report = await runScheduledChecks(deps, options);
    publish(metrics, report);
    for (const alert of report.alerts) logger.warn(alert.summary, { kind: alert.kind, details: alert.details });
    if (report.problems.length > 0) {
      logger.error('the monitor could not read everything', { problems: report.problems });
      throw new Error(`the monitor could not read everything: ${report.problems.join('; ')}`);
    }
    return { kind: 'scheduled', report };
  };
}

/** The report's figures as EMF: per type `MonitorQuarantined` and `MonitorRebuildOverdue`, and `MonitorJobsStuck`. */
function publish(metrics: Metrics, report: MonitorReport): void {
  const perType = new TypeMetrics(metrics, 'Monitor');
  for (const health of report.types) {
    perType.add(health.type, 'Quarantined', MetricUnit.Count, health.quarantined);
    perType.add(health.type, 'RebuildOverdue', MetricUnit.Count, health.rebuildOverdue ? 1 : 0);
  }
  perType.publish();
  if (report.jobsStuck !== null) {
    metrics.addMetric('MonitorJobsStuck', MetricUnit.Count, report.jobsStuck);
    metrics.publishStoredMetrics();
  }
}
