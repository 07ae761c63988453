/**
 * The port that starts a job (a rebuild or an audit) outside the caller's process (AWS Batch on
 * AWS, a child process locally). The ops API submits through it; the composition root picks the
 * implementation.
 */

/** The job commands a launcher starts: the job container's `rebuild` and `audit`. */
export type LaunchedJob = 'rebuild' | 'audit';

/** A job to start: the rebuild of a type unless `job` says `audit`. */
export interface BuildRequest {
  type: string;
  /** Which job command runs. @default 'rebuild' */
  job?: LaunchedJob;
  /** Why the operator asked for it (shown in the job's name and logs). */
  reason?: string;
  /** Who asked (the caller's IAM ARN behind API Gateway), when known. */
  requestedBy?: string;
}

/** A submitted job. */
export interface SubmittedBuild {
  /** The job's id (AWS Batch job id, or the local process id). */
  jobId: string;
  jobName: string;
}

/**
 * Starts a rebuild or an audit of one type outside the caller's process: AWS Batch SubmitJob on
 * AWS (see lambdas/adapters/batch/build-launcher.ts), a child process locally.
 */
export interface BuildLauncher {
  submit(request: BuildRequest): Promise<SubmittedBuild>;
}
