/**
 * The monitor: what runs every five minutes (per-type gauges, jobs stuck in RUNNABLE) and on each
 * AWS Batch job that failed. The handler (lambdas/handlers/monitor.ts) publishes the report's
 * figures as metrics; the alerts go out here, through the `Notifier`.
 */
import type { TypeConfig } from '../config/index.ts';
import { describeError } from '../errors.ts';
import type { Alert, Clock, Notifier } from '../ports.ts';
import { checkStuckJobs, failedJobAlert } from './jobs.ts';
import type { JobWatch, WatchedJob } from './ports.ts';
import { typeHealth, type TypeHealth, type TypeHealthDeps } from './type-health.ts';

export { ALL_TYPES, jobFromDetail, jobOf, type BatchJobDetail } from './jobs.ts';
export { STUCK_ALERTED_TAG, type JobWatch, type WatchedJob } from './ports.ts';
export type { TypeHealth } from './type-health.ts';

/** What the monitor runs on: ports of the Runtime. */
export interface MonitorDeps extends TypeHealthDeps {
  types: readonly TypeConfig[];
  jobs: JobWatch;
  notifier: Notifier;
  clock: Clock;
}

/** The monitor's thresholds. */
export interface MonitorOptions {
  /** Minutes in RUNNABLE after which a job counts as stuck. @default 30 */
  stuckAfterMinutes?: number;
  /** How long after its scheduled time a rebuild may start before it is overdue. @default 2 hours */
  rebuildGraceMs?: number;
  /** The time zone the types' cron schedules are read in. @default 'Etc/UTC' */
  timezone?: string;
}

export const DEFAULT_STUCK_AFTER_MINUTES = 30;
export const DEFAULT_REBUILD_GRACE_MS = 2 * 3_600_000;

/** One scheduled run: the figures to publish, the alerts sent, and what could not be read. */
export interface MonitorReport {
  at: string;
  /** Every type whose state could be read. */
  types: TypeHealth[];
  /** Jobs RUNNABLE longer than the threshold; `null` when the job queue could not be read. */
  jobsStuck: number | null;
  alerts: Alert[];
  /** What failed, one line each (the rest is still reported). */
  problems: string[];
}

/**
 * The scheduled checks: each type's health, and the jobs stuck in RUNNABLE (alerted once each).
 * A part that fails is named in `problems`; the others are still reported.
 */
export async function runScheduledChecks(deps: MonitorDeps, options: MonitorOptions = {}): Promise<MonitorReport> {
  const now = deps.clock();
  const healthOptions = { rebuildGraceMs: options.rebuildGraceMs ?? DEFAULT_REBUILD_GRACE_MS, ...(options.timezone ? { timezone: options.timezone } : {}) };
  const [healths, stuck] = await Promise.all([
    Promise.allSettled(deps.types.map((type) => typeHealth(deps, type, now, healthOptions))),
    checkStuckJobs(deps, options.stuckAfterMinutes ?? DEFAULT_STUCK_AFTER_MINUTES).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  ]);
  const problems: string[] = [];
  const types: TypeHealth[] = [];
  healths.forEach((result, index) => {
    if (result.status === 'fulfilled') types.push(result.value);
    else problems.push(`type ${deps.types[index]?.name}: ${describeError(result.reason)}`);
  });
  if (!stuck.ok) problems.push(`stuck jobs: ${describeError(stuck.error)}`);
  return { at: new Date(now).toISOString(), types, jobsStuck: stuck.ok ? stuck.value.stuck : null, alerts: stuck.ok ? stuck.value.alerts : [], problems };
}

/** A job that went FAILED: alerts `batch-job-failed` (not for an array job's child). Returns the alert sent. */
export async function reportFailedJob(deps: Pick<MonitorDeps, 'notifier' | 'clock'>, job: WatchedJob): Promise<Alert | undefined> {
  const alert = failedJobAlert(job, deps.clock());
  if (alert) await deps.notifier.alert(alert);
  return alert;
}
