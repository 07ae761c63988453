/**
 * Submits rebuild and audit jobs to AWS Batch: the same job definition the schedules use, with the
 * job and the type in the container command (`rebuild --type <type>`, `audit --type <type>`).
 */
import { BatchClient, SubmitJobCommand } from '@aws-sdk/client-batch';
import { describeError, FreshindexError } from '../../core/errors.ts';
import type { BuildLauncher, BuildRequest, SubmittedBuild } from '../../core/build-launcher.ts';

/**
 * The job container's command prefix; the job's arguments follow it. Mirrors `JOB_COMMAND` in
 * lib/jobs.ts (runtime code never imports the CDK).
 */
export const JOB_COMMAND: readonly string[] = ['node', 'dist/job.mjs'];

/** AWS Batch refused or failed the submission. */
export class JobSubmissionError extends FreshindexError {
  override readonly retryable: boolean;
  override readonly status = 502;
  constructor(message: string, options: { cause: unknown; retryable: boolean; context?: Record<string, unknown> }) {
    super(message, options);
    this.name = 'JobSubmissionError';
    this.retryable = options.retryable;
  }
}

export interface BatchBuildLauncherOptions {
  client?: BatchClient;
  /** The job queue's ARN or name (FRESHINDEX_JOB_QUEUE). */
  jobQueue: string;
  /** The job definition's ARN or name (FRESHINDEX_JOB_DEFINITION). */
  jobDefinition: string;
  clock?: () => number;
}

/** A `BuildLauncher` on AWS Batch: rebuilds and audits. */
export class BatchBuildLauncher implements BuildLauncher {
  readonly #client: BatchClient;
  readonly #clock: () => number;

  constructor(private readonly options: BatchBuildLauncherOptions) {
    this.#client = options.client ?? new BatchClient({});
    this.#clock = options.clock ?? Date.now;
  }

  async submit(request: BuildRequest): Promise<SubmittedBuild> {
    // Job names: letters, digits, - and _, at most 128 characters.
    const job = request.job ?? 'rebuild';
    const jobName = `freshindex-${job}-${request.type}-${this.#clock()}`.slice(0, 128);
    try {
      const response = await this.#client.send(
        new SubmitJobCommand({
          jobName,
          jobQueue: this.options.jobQueue,
          jobDefinition: this.options.jobDefinition,
          containerOverrides: { command: [...JOB_COMMAND, job, '--type', request.type] },
          tags: {
            'freshindex:type': request.type,
            'freshindex:job': job,
            'freshindex:trigger': 'ops-api',
            ...(request.requestedBy ? { 'freshindex:requested-by': request.requestedBy.slice(0, 256) } : {}),
          },
          propagateTags: true,
        }),
      );
      return { jobId: response.jobId ?? '', jobName: response.jobName ?? jobName };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new JobSubmissionError(`AWS Batch SubmitJob failed: ${describeError(error)}`, {
        cause: error,
        retryable: status === undefined || status >= 500 || status === 429,
        context: { type: request.type, job },
      });
    }
  }
}
