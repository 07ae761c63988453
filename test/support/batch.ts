/**
 * A stand-in of AWS Batch at the SDK client: middleware answers SubmitJob, DescribeJobs and
 * TerminateJob before anything is sent, and runs an array job's children as local processes
 * (`load-segments` through tsx, as the job image runs `node dist/job.mjs`), each with its
 * `AWS_BATCH_JOB_ARRAY_INDEX`, its container overrides over the job definition's environment,
 * and Batch's retry strategy: a child that exits non-zero or is killed runs again, up to
 * `retryStrategy.attempts` times. The array job is RUNNING until every child ended, then
 * SUCCEEDED if every child did, else FAILED. ListJobs and TagResource answer from the same jobs,
 * and `add` puts a job there as it is (the monitor's RUNNABLE jobs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { BatchClient, JobDetail, SubmitJobCommandInput } from '@aws-sdk/client-batch';
import { JOB_COMMAND } from '../../lambdas/adapters/batch/build-launcher.ts';
import { compiledJobsCli } from './jobs-cli.ts';


/** The parent job as DescribeJobs tells it, and what every container of the job definition gets. */
export interface BatchStandInOptions {
  parent: { jobId: string; jobQueue: string; jobDefinition: string };
  /** The job definition's environment (tables, endpoints, credentials, config). */
  env: Readonly<Record<string, string | undefined>>;
  /** Sees every child container started (kill it to simulate a lost container). */
  onSpawn?: (child: ChildProcess, index: number, attempt: number) => void;
  /** Runs one attempt of a child instead of a process (true: it succeeded). */
  runAttempt?: (index: number, attempt: number, input: SubmitJobCommandInput) => Promise<boolean>;
}

/** What the stand-in was asked and did. */
export interface BatchStandIn {
  submitted: SubmitJobCommandInput[];
  /** `index#attempt` of every child started. */
  spawned: string[];
  terminated: string[];
  /** Puts a job among the stand-in's jobs (ListJobs, DescribeJobs and TagResource see it). */
  add(job: JobDetail): void;
  /** A job as the stand-in holds it now. */
  job(jobId: string): JobDetail | undefined;
}

/** Answers `client`'s Batch calls from a stand-in; see the file's comment. */
export function standInBatch(client: BatchClient, options: BatchStandInOptions): BatchStandIn {
  const jobs = new Map<string, JobDetail>([[options.parent.jobId, { ...options.parent, jobName: 'parent', status: 'RUNNING', startedAt: Date.now() } as JobDetail]]);
  const running = new Map<string, ChildProcess[]>();
  const log: BatchStandIn = {
    submitted: [],
    spawned: [],
    terminated: [],
    add: (job) => void jobs.set(job.jobId ?? '', structuredClone(job)),
    job: (jobId) => jobs.get(jobId),
  };

  const submit = (input: SubmitJobCommandInput) => {
    log.submitted.push(input);
    const jobId = `array-${log.submitted.length}`;
    const size = input.arrayProperties?.size ?? 1;
    const summary: Record<string, number> = { RUNNING: size, SUCCEEDED: 0, FAILED: 0 };
    const job = { jobId, jobName: input.jobName, jobQueue: input.jobQueue, jobDefinition: input.jobDefinition, status: 'RUNNING', arrayProperties: { size, statusSummary: summary } } as JobDetail;
    jobs.set(jobId, job);
    const children = Array.from({ length: size }, async (_, index) => {
      const ok = await runChild(input, jobId, index);
      summary['RUNNING'] = (summary['RUNNING'] ?? 0) - 1;
      summary[ok ? 'SUCCEEDED' : 'FAILED'] = (summary[ok ? 'SUCCEEDED' : 'FAILED'] ?? 0) + 1;
    });
    void Promise.all(children).then(() => {
      job.status = summary['FAILED'] === 0 ? 'SUCCEEDED' : 'FAILED';
      if (job.status === 'FAILED') job.statusReason = 'Array Child Job failed';
    });
    return { jobId, jobName: input.jobName };
  };

  const runChild = async (input: SubmitJobCommandInput, jobId: string, index: number): Promise<boolean> => {
    const command = input.containerOverrides?.command ?? [];
    // The image's `node dist/job.mjs` is the jobs CLI compiled by esbuild here too (test/support/jobs-cli.ts).
    if (JOB_COMMAND.some((part, i) => command[i] !== part)) throw new Error(`the Batch stand-in runs only the job image's command, not ${command.join(' ')}`);
    const args = command.slice(JOB_COMMAND.length);
    const overrides = Object.fromEntries((input.containerOverrides?.environment ?? []).map(({ name, value }) => [name ?? '', value ?? '']));
    for (let attempt = 1; attempt <= (input.retryStrategy?.attempts ?? 1); attempt++) {
      if (jobs.get(jobId)?.status === 'FAILED') return false;
      if (options.runAttempt) {
        log.spawned.push(`${index}#${attempt}`);
        if (await options.runAttempt(index, attempt, input)) return true;
        continue;
      }
      const child = spawn(process.execPath, [await compiledJobsCli(), ...args], {
        env: { ...options.env, ...overrides, AWS_BATCH_JOB_ID: `${jobId}:${index}`, AWS_BATCH_JOB_ARRAY_INDEX: String(index) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      running.set(jobId, [...(running.get(jobId) ?? []), child]);
      log.spawned.push(`${index}#${attempt}`);
      options.onSpawn?.(child, index, attempt);
      child.stdout?.resume();
      const code = await new Promise<number | null>((resolve) => child.once('close', (exit) => resolve(exit)));
      if (code === 0) return true;
    }
    return false;
  };

  const answers: Record<string, (input: never) => unknown> = {
    SubmitJobCommand: submit,
    DescribeJobsCommand: (input: { jobs: string[] }) => ({ jobs: input.jobs.flatMap((id) => (jobs.has(id) ? [structuredClone(jobs.get(id))] : [])) }),
    ListJobsCommand: (input: { jobQueue: string; jobStatus?: string; nextToken?: string }) => ({
      jobSummaryList: [...jobs.values()]
        .filter((job) => job.jobQueue === input.jobQueue && (input.jobStatus === undefined || job.status === input.jobStatus))
        .map(({ jobId, jobArn, jobName, status, createdAt }) => ({ jobId, jobArn, jobName, status, createdAt })),
    }),
    TagResourceCommand: (input: { resourceArn: string; tags: Record<string, string> }) => {
      const job = [...jobs.values()].find((candidate) => candidate.jobArn === input.resourceArn);
      if (!job) throw Object.assign(new Error(`no job ${input.resourceArn}`), { name: 'ClientException', $metadata: { httpStatusCode: 400 } });
      job.tags = { ...job.tags, ...input.tags };
      return {};
    },
    TerminateJobCommand: (input: { jobId: string; reason: string }) => {
      log.terminated.push(input.jobId);
      const job = jobs.get(input.jobId);
      if (job) Object.assign(job, { status: 'FAILED', statusReason: input.reason });
      for (const child of running.get(input.jobId) ?? []) child.kill('SIGTERM');
      return {};
    },
  };
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const answer = answers[context.commandName ?? ''];
      if (!answer) throw new Error(`the Batch stand-in does not answer ${context.commandName}`);
      return { output: { ...(answer(args.input as never) as object), $metadata: { httpStatusCode: 200 } }, response: {} } as never;
    },
    { step: 'initialize', name: 'batchStandIn' },
  );
  return log;
}
