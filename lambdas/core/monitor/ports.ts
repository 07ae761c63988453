/**
 * What the monitor reads and writes beyond the stores: the jobs of freshindex's AWS Batch job
 * queue (lambdas/adapters/batch/job-watch.ts).
 */

/** A job of freshindex's job queue, as the monitor sees it. */
export interface WatchedJob {
  jobId: string;
  /** The job's ARN (tags are set on it). */
  jobArn?: string;
  jobName: string;
  jobQueue: string;
  /** AWS Batch's status: SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED. */
  status: string;
  statusReason?: string;
  /** When the job was submitted (epoch ms). */
  createdAt: number;
  /** The container command (`node dist/job.mjs rebuild --type video`), when known. */
  command?: readonly string[];
  tags: Readonly<Record<string, string>>;
  /** The CloudWatch Logs stream of the job's (last) container. */
  logStreamName?: string;
  /** The exit code of the job's (last) container, when it ran. */
  exitCode?: number;
  /** Set on the children of an array job (their parent reports for them). */
  arrayIndex?: number;
}

/** The tag a job carries once its `batch-job-stuck` alert went out: one alert per job. */
export const STUCK_ALERTED_TAG = 'freshindex:stuck-alerted';

/** The jobs of freshindex's job queue. */
export interface JobWatch {
  /** The jobs RUNNABLE now that were submitted at or before `submittedBefore` (epoch ms), with their tags. */
  runnableSince(submittedBefore: number): Promise<WatchedJob[]>;
  /** Tags the job with `STUCK_ALERTED_TAG`, so later runs do not alert again. */
  markStuckAlerted(job: WatchedJob): Promise<void>;
}
