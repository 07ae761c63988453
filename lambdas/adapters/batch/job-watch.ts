/**
 * The monitor's view of freshindex's AWS Batch job queue: the jobs RUNNABLE for a while
 * (ListJobs, then DescribeJobs for their tags and reasons), and a tag on each job whose stuck
 * alert went out.
 */
import { BatchClient, DescribeJobsCommand, paginateListJobs, TagResourceCommand, type JobDetail } from '@aws-sdk/client-batch';
import { describeError, FreshindexError } from '../../core/errors.ts';
import { jobFromDetail, type BatchJobDetail } from '../../core/monitor/jobs.ts';
import { STUCK_ALERTED_TAG, type JobWatch, type WatchedJob } from '../../core/monitor/ports.ts';

/** AWS Batch did not answer a read or a tag of the monitor. */
export class JobQueueReadError extends FreshindexError {
  override readonly retryable = true;
  override readonly status = 503;
  constructor(message: string, options: { cause: unknown; context?: Record<string, unknown> }) {
    super(message, options);
    this.name = 'JobQueueReadError';
  }
}

export interface BatchJobWatchOptions {
  client?: BatchClient;
  /** The job queue's ARN or name (FRESHINDEX_JOB_QUEUE). */
  jobQueue: string;
  clock?: () => number;
}

/** DescribeJobs takes at most 100 jobs per call. */
const DESCRIBE_LIMIT = 100;

/** A `JobWatch` on AWS Batch. */
export class BatchJobWatch implements JobWatch {
  readonly #client: BatchClient;
  readonly #clock: () => number;

  constructor(private readonly options: BatchJobWatchOptions) {
    this.#client = options.client ?? new BatchClient({});
    this.#clock = options.clock ?? Date.now;
  }

  async runnableSince(submittedBefore: number): Promise<WatchedJob[]> {
    const ids: string[] = [];
    try {
      for await (const page of paginateListJobs({ client: this.#client }, { jobQueue: this.options.jobQueue, jobStatus: 'RUNNABLE' })) {
        for (const summary of page.jobSummaryList ?? []) {
          if (summary.jobId && (summary.createdAt ?? 0) <= submittedBefore) ids.push(summary.jobId);
        }
      }
      const jobs: JobDetail[] = [];
      for (let start = 0; start < ids.length; start += DESCRIBE_LIMIT) {
        const described = await this.#client.send(new DescribeJobsCommand({ jobs: ids.slice(start, start + DESCRIBE_LIMIT) }));
        jobs.push(...(described.jobs ?? []));
      }
      // A job may have started between the two calls.
      return jobs.filter((job) => job.status === 'RUNNABLE').map((job) => jobFromDetail(job as BatchJobDetail));
    } catch (error) {
      throw new JobQueueReadError(`cannot list the RUNNABLE jobs of ${this.options.jobQueue}: ${describeError(error)}`, { cause: error });
    }
  }

  async markStuckAlerted(job: WatchedJob): Promise<void> {
    if (!job.jobArn) return;
    try {
      await this.#client.send(new TagResourceCommand({ resourceArn: job.jobArn, tags: { [STUCK_ALERTED_TAG]: new Date(this.#clock()).toISOString() } }));
    } catch (error) {
      throw new JobQueueReadError(`cannot tag the job ${job.jobId}: ${describeError(error)}`, { cause: error, context: { jobId: job.jobId } });
    }
  }
}
