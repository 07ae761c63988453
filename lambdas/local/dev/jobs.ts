/**
 * The local stand-in of AWS Batch: each job runs `lambdas/jobs/cli` as a child process with
 * the environment the job definition gives it on AWS (resolved to the local names), exactly the
 * command line the schedules and the ops API submit. It is also the ops API's `BuildLauncher`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildLauncher, BuildRequest, SubmittedBuild } from '../../api/ports.ts';

/** The job container's entry point: its source in a checkout (run with tsx), the compiled file when installed. */
export const JOBS_CLI = fileURLToPath(new URL(`../../jobs/cli${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export type LocalJobStatus = 'running' | 'succeeded' | 'failed';

/** One job, as the local control API shows it. */
export interface LocalJob {
  /** Also the job's AWS_BATCH_JOB_ID: a build records `holder: batch:<id>`. */
  id: string;
  name: string;
  /** The job command (`rebuild`, `audit`). */
  command: string;
  args: string[];
  /** What started it: `api`, `schedule:<logical id>`, `cli`, `startup`. */
  trigger: string;
  status: LocalJobStatus;
  pid?: number;
  exitCode?: number;
  signal?: string;
  startedAt: string;
  finishedAt?: string;
  /** The last lines the job wrote (stdout and stderr). */
  output: string[];
}

export interface LocalJobsOptions {
  /** The environment of the job definition, resolved to local names, plus endpoints and credentials. */
  env: Record<string, string>;
  /** The config module the job loads (FRESHINDEX_CONFIG). */
  configPath: string;
  cwd?: string;
  /** One line per job event (started, finished). */
  log?: (line: string) => void;
  /** Forward every line the jobs write to `log`. @default false */
  verbose?: boolean;
  /** Lines kept per job. @default 200 */
  keepLines?: number;
  clock?: () => number;
}

/** Node's flags for the job: a TypeScript job entry needs tsx; the compiled one loads the config itself. */
const NODE_FLAGS = JOBS_CLI.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];

/** Runs and tracks the local jobs. */
export class LocalJobs implements BuildLauncher {
  readonly #jobs = new Map<string, LocalJob>();
  readonly #children = new Map<string, ChildProcess>();
  readonly #exits = new Map<string, Promise<void>>();
  readonly #options: LocalJobsOptions;
  #sequence = 0;
  #stopping = false;

  constructor(options: LocalJobsOptions) {
    this.#options = options;
  }

  /** The ops API's launcher: `POST /v1/types/{type}/rebuild` and `.../audit` land here. */
  async submit(request: BuildRequest): Promise<SubmittedBuild> {
    const job = this.run([request.job ?? 'rebuild', '--type', request.type], 'api');
    return { jobId: job.id, jobName: job.name };
  }

  /** Starts `lambdas/jobs/cli.ts <args>` and returns at once. */
  run(args: readonly string[], trigger: string): LocalJob {
    if (this.#stopping) throw new Error('the local runtime is stopping: no new jobs');
    const clock = this.#options.clock ?? Date.now;
    const command = args[0] ?? 'unknown';
    const typeIndex = args.indexOf('--type');
    const type = typeIndex >= 0 ? args[typeIndex + 1] : undefined;
    const id = `local-${++this.#sequence}-${clock().toString(36)}`;
    const name = ['freshindex', command, type, String(clock())].filter(Boolean).join('-');
    const job: LocalJob = { id, name, command, args: [...args], trigger, status: 'running', startedAt: new Date(clock()).toISOString(), output: [] };
    const child = spawn(process.execPath, [...NODE_FLAGS, JOBS_CLI, ...args], {
      cwd: this.#options.cwd ?? process.cwd(),
      env: { ...this.#options.env, FRESHINDEX_CONFIG: this.#options.configPath, AWS_BATCH_JOB_ID: id, PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) job.pid = child.pid;
    this.#jobs.set(id, job);
    this.#children.set(id, child);
    this.#options.log?.(`job ${id} started: ${args.join(' ')} (${trigger}, pid ${child.pid ?? '?'})`);
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) this.#keep(job, line);
      });
      stream?.on('end', () => rest && this.#keep(job, rest));
    }
    this.#exits.set(
      id,
      new Promise<void>((resolve) => {
        const settle = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
          if (job.status !== 'running') return resolve();
          job.status = code === 0 ? 'succeeded' : 'failed';
          if (code !== null) job.exitCode = code;
          if (signal) job.signal = signal;
          if (error) this.#keep(job, `could not start: ${error.message}`);
          job.finishedAt = new Date(clock()).toISOString();
          this.#children.delete(id);
          // 130: the job was stopped before it finished, and reported itself interrupted.
          const how = signal ? `signal ${signal}` : code === 130 ? 'interrupted, exit code 130' : `exit code ${code}`;
          this.#options.log?.(`job ${id} ${job.status} (${how}): ${args.join(' ')}`);
          if (job.status === 'failed' && !this.#options.verbose) for (const line of job.output.slice(-8)) this.#options.log?.(`  | ${line}`);
          resolve();
        };
        child.once('error', (error) => settle(null, null, error));
        child.once('close', (code, signal) => settle(code, signal));
      }),
    );
    return job;
  }

  list(): LocalJob[] {
    return [...this.#jobs.values()].reverse();
  }

  get(id: string): LocalJob | undefined {
    return this.#jobs.get(id);
  }

  /** Resolves when the job has ended. */
  async wait(id: string): Promise<LocalJob | undefined> {
    await this.#exits.get(id);
    return this.#jobs.get(id);
  }

  /**
   * Stops every running job: SIGTERM (a build stops cleanly, as when Batch stops it), then SIGKILL
   * after `graceMs`. Resolves when every child has exited.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    const running = [...this.#children.entries()];
    for (const [, child] of running) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const [, child] of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, graceMs);
    await Promise.all(running.map(([id]) => this.#exits.get(id)));
    clearTimeout(timer);
  }

  #keep(job: LocalJob, line: string): void {
    if (line === '') return;
    job.output.push(line);
    const keep = this.#options.keepLines ?? 200;
    if (job.output.length > keep) job.output.splice(0, job.output.length - keep);
    if (this.#options.verbose) this.#options.log?.(`[${job.id}] ${line}`);
  }
}
