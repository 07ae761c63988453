/**
 * Alerts about AWS Batch jobs: a job that FAILED (from the EventBridge rule on "Batch Job State
 * Change"), and jobs RUNNABLE for longer than a threshold (each scheduled run), alerted once each.
 */
import type { Alert, Clock, Notifier } from '../ports.ts';
import { STUCK_ALERTED_TAG, type JobWatch, type WatchedJob } from './ports.ts';

/**
 * A job as AWS Batch describes it: the `detail` of a "Batch Job State Change" event and an entry
 * of DescribeJobs have this shape (the fields the monitor reads).
 */
export interface BatchJobDetail {
  jobId?: string | undefined;
  jobArn?: string | undefined;
  jobName?: string | undefined;
  jobQueue?: string | undefined;
  status?: string | undefined;
  statusReason?: string | undefined;
  createdAt?: number | undefined;
  tags?: Record<string, string> | undefined;
  container?: { command?: string[] | undefined; logStreamName?: string | undefined; exitCode?: number | undefined } | undefined;
  attempts?: Array<{ container?: { logStreamName?: string | undefined; exitCode?: number | undefined } | undefined }> | undefined;
  arrayProperties?: { index?: number | undefined } | undefined;
}

/** A `WatchedJob` from Batch's description of it. */
export function jobFromDetail(detail: BatchJobDetail): WatchedJob {
  const lastAttempt = detail.attempts?.at(-1)?.container?.logStreamName;
  const logStreamName = detail.container?.logStreamName ?? lastAttempt;
  const exitCode = detail.container?.exitCode ?? detail.attempts?.at(-1)?.container?.exitCode;
  return {
    jobId: detail.jobId ?? '',
    ...(detail.jobArn ? { jobArn: detail.jobArn } : {}),
    jobName: detail.jobName ?? detail.jobId ?? '',
    jobQueue: detail.jobQueue ?? '',
    status: detail.status ?? 'UNKNOWN',
    ...(detail.statusReason ? { statusReason: detail.statusReason } : {}),
    createdAt: detail.createdAt ?? 0,
    ...(detail.container?.command ? { command: detail.container.command } : {}),
    tags: detail.tags ?? {},
    ...(logStreamName ? { logStreamName } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(detail.arrayProperties?.index !== undefined ? { arrayIndex: detail.arrayProperties.index } : {}),
  };
}

/** The alert's `type` of a job that names no single type (an audit of every type). */
export const ALL_TYPES = '*';

/** The job command (`rebuild`, `audit`, `load-segments`) and type of a freshindex job. */
export function jobOf(job: Pick<WatchedJob, 'command' | 'tags'>): { command: string; type: string } {
  const args = job.command ?? [];
  const typeAt = args.indexOf('--type');
  const command = args.find((arg) => ['rebuild', 'audit', 'load-segments'].includes(arg)) ?? job.tags['freshindex:job'] ?? 'job';
  const type = (typeAt >= 0 ? args[typeAt + 1] : undefined) ?? job.tags['freshindex:type'] ?? ALL_TYPES;
  return { command, type };
}

/** What to run again once the cause is fixed. */
function rerun(command: string, type: string): string {
  if (type === ALL_TYPES) return `freshindex ${command === 'audit' ? 'audit' : 'rebuild'} TYPE`;
  return command === 'audit' ? `freshindex audit ${type}` : `freshindex rebuild ${type}`;
}

/** The job program's exit code for a build that failed its gate or its run: it sent its own `build-failed` alert. */
const EXIT_REPORTED_FAILURE = 1;
/** The job program's exit code when another build of the type held the lease: nothing was wrong. */
const EXIT_BUSY = 3;

/**
 * The `batch-job-failed` alert of a job, or `undefined` when another alert says it better: an
 * array job's child (its parent alerts) and a rebuild that exited 1 (it sent its own
 * `build-failed` alert with the gate's reasons). A job that exited 3 (another build held the
 * lease) is a warning, not a page.
 */
export function failedJobAlert(job: WatchedJob, now: number): Alert | undefined {
  if (job.arrayIndex !== undefined) return undefined;
  const { command, type } = jobOf(job);
  if (command === 'rebuild' && job.exitCode === EXIT_REPORTED_FAILURE) return undefined;
  const busy = job.exitCode === EXIT_BUSY;
  const reason = job.statusReason ?? 'no reason given';
  const serving = command === 'audit' ? 'Nothing was repaired by this run' : 'The active generation keeps serving';
  return {
    kind: 'batch-job-failed',
    severity: command === 'audit' || busy ? 'warning' : 'critical',
    type,
    summary: busy
      ? `the ${command} job ${job.jobName} of ${type === ALL_TYPES ? 'every type' : type} stopped: another build of it was running (exit code 3)`
      : `the ${command} job ${job.jobName} of ${type === ALL_TYPES ? 'every type' : type} failed in AWS Batch: ${reason}`,
    action:
      `${serving}. Read the job's log${job.logStreamName ? ` (stream ${job.logStreamName})` : ''} and its status reason, fix the cause ` +
      `(a container that ran out of memory, an image that cannot be pulled, a role without access), then run \`${rerun(command, type)}\`.`,
    details: {
      jobId: job.jobId,
      jobName: job.jobName,
      jobQueue: job.jobQueue,
      statusReason: reason,
      logStreamName: job.logStreamName ?? null,
      ...(job.jobArn ? { jobArn: job.jobArn } : {}),
      command,
    },
    at: now,
  };
}

/** The `batch-job-stuck` alert of a job RUNNABLE for `minutesRunnable` minutes. */
export function stuckJobAlert(job: WatchedJob, minutesRunnable: number, now: number): Alert {
  const { command, type } = jobOf(job);
  return {
    kind: 'batch-job-stuck',
    severity: 'warning',
    type,
    summary: `the ${command} job ${job.jobName} has waited ${minutesRunnable} minutes in RUNNABLE: AWS Batch has not started it`,
    action:
      'A job stays RUNNABLE when its compute environment cannot place it: look at the status reason, the compute environment (Fargate vCPU quota, ' +
      `its subnets' route to the image registry) and the queue's other jobs. The job starts by itself once capacity frees up; to drop it, \`aws batch terminate-job --job-id ${job.jobId} --reason stuck\`.`,
    details: { jobId: job.jobId, jobName: job.jobName, minutesRunnable, statusReason: job.statusReason ?? null, jobQueue: job.jobQueue, command },
    at: now,
  };
}

/** What `checkStuckJobs` found. */
export interface StuckJobs {
  /** Jobs RUNNABLE longer than the threshold now (alerted before or not). */
  stuck: number;
  /** The alerts this run sent. */
  alerts: Alert[];
}

/**
 * Finds the jobs RUNNABLE longer than `stuckAfterMinutes`; alerts each one that was not alerted
 * before, then tags it (a tag that fails to land means one more alert on the next run, never none).
 */
export async function checkStuckJobs(deps: { jobs: JobWatch; notifier: Notifier; clock: Clock }, stuckAfterMinutes: number): Promise<StuckJobs> {
  const now = deps.clock();
  const jobs = await deps.jobs.runnableSince(now - stuckAfterMinutes * 60_000);
  const alerts: Alert[] = [];
  for (const job of jobs) {
    if (job.tags[STUCK_ALERTED_TAG] !== undefined) continue;
    const alert = stuckJobAlert(job, Math.floor((now - job.createdAt) / 60_000), now);
    await deps.notifier.alert(alert);
    await deps.jobs.markStuckAlerted(job);
    alerts.push(alert);
  }
  return { stuck: jobs.length, alerts };
}
