import { hostname } from 'node:os';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Runtime, RuntimeOverrides } from '../adapters/compose/index.ts';
import { childLoaderFor } from '../adapters/compose/children.ts';
import { runtimeFromEnv, type Environment, type JobEnv } from '../adapters/compose/env.ts';
import type { FreshindexConfig, FreshindexConfigInput } from '../core/config/index.ts';
import type { ChildLoader } from '../core/rebuild/index.ts';

/** What every job command gets. */
export interface JobContext {
  /** The composition root's bundle: index, build control, reservations, counters, notifier. */
  runtime: Runtime;
  env: JobEnv;
  /** Runs a split load's children (an AWS Batch array job, locally child processes); undefined: every build loads itself. */
  children: ChildLoader | undefined;
  logger: Logger;
  metrics: Metrics;
  /** Who runs the job: the Batch job id, else host and pid. */
  holder: string;
  /** Aborts on SIGTERM (AWS Batch stopping the job) or Ctrl-C. */
  signal: AbortSignal;
}

/** Clients and hooks tests inject instead of the defaults. */
export interface JobOverrides extends RuntimeOverrides {
  logger?: Logger;
  /** Where the job's metrics go (default: EMF in the job's log, namespace `freshindex`). */
  metrics?: Metrics;
  signal?: AbortSignal;
  children?: ChildLoader;
}

/**
 * Builds the job's context from its environment (parsed by the one environment module, which
 * throws a `ConfigError` naming every bad variable) and the composition root's bundle. The
 * process environment goes to the sources (an HTTP source's `auth.env`), as in the handlers.
 */
export function createJobContext(configInput: FreshindexConfigInput | FreshindexConfig, processEnv: Environment, overrides: JobOverrides = {}): JobContext {
  const { logger, metrics, signal, children: _children, ...runtimeOverrides } = overrides;
  const { env, runtime } = runtimeFromEnv('job', configInput, processEnv, runtimeOverrides);
  return {
    runtime,
    env,
    children: overrides.children ?? childLoaderFor(env, processEnv, { childResults: runtime.childResults, batch: overrides.batch }),
    logger: logger ?? new Logger({ serviceName: 'freshindex-jobs' }),
    metrics: metrics ?? new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-jobs' }),
    holder: env.AWS_BATCH_JOB_ID ? `batch:${env.AWS_BATCH_JOB_ID}` : `${hostname()}:${process.pid}`,
    signal: signal ?? new AbortController().signal,
  };
}

