/**
 * A split load as an AWS Batch array job: the parent (itself a Batch job) submits one array job of
 * `children` children on its own job queue and job definition, each child running
 * `load-segments --type T` on its share of the segments (`AWS_BATCH_JOB_ARRAY_INDEX`). Batch's
 * retry strategy runs a child that failed or was killed again; the parent polls the array job
 * with the SDK's waiter (exponential backoff with jitter) until it ends, then reads each child's
 * result from the control store (`ChildResultStore`), where the children left them.
 */
import { BatchClient, DescribeJobsCommand, SubmitJobCommand, TerminateJobCommand, type JobDetail } from '@aws-sdk/client-batch';
import { createWaiter, WaiterState, type WaiterResult } from '@smithy/core/client';
import { describeError, StoreError } from '../../core/errors.ts';
import type { ChildLoader, ChildPlan, ChildResultStore, LoadResult } from '../../core/rebuild/index.ts';
import { JOB_COMMAND, JobSubmissionError } from './build-launcher.ts';
import { loadEnvironment } from './child-processes.ts';

/** How the array job is polled (seconds), as the SDK's waiters take them. */
export interface ArrayPolling {
  /** @default 5 */
  minDelaySeconds?: number;
  /** @default 60 */
  maxDelaySeconds?: number;
  /** The longest wait before the load fails. @default 6 hours, the job definition's timeout */
  maxWaitSeconds?: number;
}

/** Options of `ArrayJobLoader`. */
export interface ArrayJobLoaderOptions {
  client: BatchClient;
  /** Where the children leave their results. */
  results: ChildResultStore;
  /** The parent's own job (AWS_BATCH_JOB_ID): the array job runs on its queue and job definition. */
  parentJobId: string;
  /** Runs of each child before it counts as failed (Batch's `retryStrategy.attempts`, 1–10). @default 3 */
  attempts?: number;
  polling?: ArrayPolling;
}

type Terminal = { status: 'SUCCEEDED' | 'FAILED'; job: JobDetail };

/** Runs a split load as one AWS Batch array job and hands back each child's result. */
export class ArrayJobLoader implements ChildLoader {
  constructor(private readonly options: ArrayJobLoaderOptions) {}

  async load(plan: ChildPlan, signal: AbortSignal): Promise<LoadResult[]> {
    const parent = await this.#describe(this.options.parentJobId);
    if (!parent?.jobQueue || !parent.jobDefinition) throw new StoreError(`AWS Batch does not know the parent job ${this.options.parentJobId}`, { retryable: false, context: { type: plan.type } });
    signal.throwIfAborted();
    const jobId = await this.#submit(plan, parent.jobQueue, parent.jobDefinition);
    const ended = await this.#wait(jobId, signal);
    if (ended.status === 'FAILED') {
      const summary = JSON.stringify(ended.job.arrayProperties?.statusSummary ?? {});
      throw new StoreError(`the array job ${jobId} loading "${plan.type}" failed: ${ended.job.statusReason ?? 'no reason given'} (children by status: ${summary})`, {
        retryable: false,
        context: { type: plan.type, buildId: plan.buildId, jobId },
      });
    }
    return this.#results(plan, jobId);
  }

  async #describe(jobId: string): Promise<JobDetail | undefined> {
    const { jobs } = await this.options.client.send(new DescribeJobsCommand({ jobs: [jobId] }));
    return jobs?.[0];
  }

  async #submit(plan: ChildPlan, jobQueue: string, jobDefinition: string): Promise<string> {
    // Job names: letters, digits, - and _, at most 128 characters.
    const jobName = `freshindex-load-${plan.type}-${plan.buildId}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
    try {
      const response = await this.options.client.send(
        new SubmitJobCommand({
          jobName,
          jobQueue,
          jobDefinition,
          arrayProperties: { size: plan.children },
          retryStrategy: { attempts: this.options.attempts ?? 3 },
          containerOverrides: {
            command: [...JOB_COMMAND, 'load-segments', '--type', plan.type],
            environment: Object.entries(loadEnvironment(plan)).map(([name, value]) => ({ name, value })),
          },
        }),
      );
      if (!response.jobId) throw new Error('SubmitJob answered without a job id');
      return response.jobId;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new JobSubmissionError(`AWS Batch SubmitJob (array of ${plan.children}) failed: ${describeError(error)}`, {
        cause: error,
        retryable: status === undefined || status >= 500 || status === 429,
        context: { type: plan.type, buildId: plan.buildId },
      });
    }
  }

  /** Polls the array job until it ends; an abort terminates it (its children stop) and rethrows. */
  async #wait(jobId: string, signal: AbortSignal): Promise<Terminal> {
    const polling = this.options.polling ?? {};
    const result: WaiterResult<Terminal> = await createWaiter(
      { client: this.options.client, minDelay: polling.minDelaySeconds ?? 5, maxDelay: polling.maxDelaySeconds ?? 60, maxWaitTime: polling.maxWaitSeconds ?? 6 * 3600, abortSignal: signal },
      { jobId },
      async () => {
        const job = await this.#describe(jobId);
        if (job?.status === 'SUCCEEDED' || job?.status === 'FAILED') return { state: WaiterState.SUCCESS, reason: { status: job.status, job } };
        return { state: WaiterState.RETRY };
      },
    );
    if (result.state === WaiterState.SUCCESS && result.final) return result.final;
    const why = result.state === WaiterState.ABORTED ? 'the build was stopped' : `the wait for the array job ran out (${result.state})`;
    await this.options.client.send(new TerminateJobCommand({ jobId, reason: why })).catch(() => undefined);
    signal.throwIfAborted();
    throw new StoreError(`${why}: array job ${jobId} terminated`, { retryable: false, context: { jobId } });
  }

  async #results(plan: ChildPlan, jobId: string): Promise<LoadResult[]> {
    const saved = await this.options.results.list(plan.type, plan.buildId);
    const missing = Array.from({ length: plan.children }, (_, child) => child).filter((child) => !saved.has(child));
    if (missing.length > 0) {
      throw new StoreError(`the array job ${jobId} succeeded but children ${missing.join(', ')} left no result`, { retryable: false, context: { type: plan.type, buildId: plan.buildId, jobId } });
    }
    return Array.from({ length: plan.children }, (_, child) => saved.get(child) as LoadResult);
  }
}
