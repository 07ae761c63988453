/**
 * An array job on one machine: the children of a split rebuild as child processes of the job
 * (`load-segments`, each with its `AWS_BATCH_JOB_ARRAY_INDEX`), as AWS Batch runs an array job's
 * children as containers. A child that exits without its result (killed, crashed) is run again,
 * up to `attempts` times, as Batch's retry strategy does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../../core/errors.ts';
import type { ChildLoader, ChildPlan, LoadResult } from '../../core/rebuild/index.ts';

const JOBS_CLI = fileURLToPath(new URL('../../jobs/cli.ts', import.meta.url));

/** Options of `ChildProcessLoader`. */
export interface ChildProcessLoaderOptions {
  /** The config module the children load (FRESHINDEX_CONFIG). */
  configPath: string;
  /** The children's environment (the job's own: tables, endpoints, credentials). */
  env: Readonly<Record<string, string | undefined>>;
  /** Runs of one child before the load fails. @default 3 */
  attempts?: number;
  /** Sees every child started (logs, tests). */
  onSpawn?: (child: ChildProcess, index: number, attempt: number) => void;
}

/** Runs a split load as local child processes, retrying a child that died. */
export class ChildProcessLoader implements ChildLoader {
  constructor(private readonly options: ChildProcessLoaderOptions) {}

  async load(plan: ChildPlan, signal: AbortSignal): Promise<LoadResult[]> {
    return Promise.all(Array.from({ length: plan.children }, (_, index) => this.#child(plan, index, signal)));
  }

  async #child(plan: ChildPlan, index: number, signal: AbortSignal): Promise<LoadResult> {
    const attempts = this.options.attempts ?? 3;
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      signal.throwIfAborted();
      const { code, result } = await this.#run(plan, index, attempt, signal);
      if (code === 0 && result) return result;
      last = `exit ${code}`;
    }
    throw new StoreError(`child ${index} of the load of "${plan.type}" failed ${attempts} times (last: ${last})`, { retryable: false, context: { type: plan.type, buildId: plan.buildId, child: index } });
  }

  #run(plan: ChildPlan, index: number, attempt: number, signal: AbortSignal): Promise<{ code: number | string; result?: LoadResult }> {
    const child = spawn(process.execPath, ['--import', 'tsx', JOBS_CLI, 'load-segments', '--type', plan.type], {
      env: { ...this.options.env, FRESHINDEX_CONFIG: this.options.configPath, ...planEnv(plan, index) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.options.onSpawn?.(child, index, attempt);
    const stop = () => child.kill('SIGTERM');
    signal.addEventListener('abort', stop, { once: true });
    let result: LoadResult | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      result = resultOf(line) ?? result;
    });
    return new Promise((resolve) => {
      child.once('close', (code, killedBy) => {
        signal.removeEventListener('abort', stop);
        resolve({ code: code ?? killedBy ?? 'unknown', ...(result ? { result } : {}) });
      });
    });
  }
}

function planEnv(plan: ChildPlan, index: number): Record<string, string> {
  return { AWS_BATCH_JOB_ARRAY_INDEX: String(index), ...loadEnvironment(plan) };
}

/** The variables that tell a child (`load-segments`) what to load; its index comes from `AWS_BATCH_JOB_ARRAY_INDEX`. */
export function loadEnvironment(plan: ChildPlan): Record<string, string> {
  return {
    FRESHINDEX_LOAD_BUILD_ID: plan.buildId,
    FRESHINDEX_LOAD_GENERATION: String(plan.generation),
    FRESHINDEX_LOAD_SEGMENTS: String(plan.totalSegments),
    FRESHINDEX_LOAD_CHILDREN: String(plan.children),
    FRESHINDEX_LOAD_PAGE_SIZE: String(plan.pageSize),
    FRESHINDEX_LOAD_CHUNK_SIZE: String(plan.chunkSize),
    FRESHINDEX_LOAD_WRITES_IN_FLIGHT: String(plan.writesInFlight),
  };
}

/** The result a child logged (`childLoad`, see jobs/load-segments.ts), if this log line is it. */
function resultOf(line: string): LoadResult | undefined {
  try {
    const parsed = JSON.parse(line) as { childLoad?: LoadResult };
    return parsed.childLoad;
  } catch {
    return undefined;
  }
}
