/**
 * The split load's children (issue #10), when the job asks for more than one: on AWS Batch, one
 * array job of that many children; elsewhere, child processes on this machine.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { ArrayJobLoader } from '../batch/array-loader.ts';
import { ChildProcessLoader } from '../batch/child-processes.ts';
import type { ChildLoader, ChildResultStore } from '../../core/rebuild/index.ts';
import type { Environment } from './env.ts';

/** What the children's loaders are built from besides the environment. */
export interface ChildLoaderDeps {
  /** Where Batch children leave their results (the runtime's control store). */
  childResults: ChildResultStore;
  /** @default a BatchClient from the environment's region */
  batch?: BatchClient | undefined;
}

/**
 * The loader of a split load when FRESHINDEX_REBUILD_CHILDREN asks for more than one: an AWS
 * Batch array job inside a Batch job (AWS_BATCH_JOB_ID set), child processes outside.
 */
export function childLoaderFor(
  env: { FRESHINDEX_REBUILD_CHILDREN?: number | undefined; AWS_BATCH_JOB_ID?: string | undefined },
  processEnv: Environment,
  deps: ChildLoaderDeps,
): ChildLoader | undefined {
  if ((env.FRESHINDEX_REBUILD_CHILDREN ?? 1) <= 1) return undefined;
  if (env.AWS_BATCH_JOB_ID !== undefined) {
    return new ArrayJobLoader({ client: deps.batch ?? new BatchClient({}), results: deps.childResults, parentJobId: env.AWS_BATCH_JOB_ID });
  }
  return new ChildProcessLoader({ configPath: processEnv['FRESHINDEX_CONFIG'] ?? './freshindex.config.ts', env: processEnv });
}
