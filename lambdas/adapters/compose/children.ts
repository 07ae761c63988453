/**
 * The split load's children (issue #10): child processes on this machine when the job asks for
 * more than one. On AWS Batch the children would be an array job's; that submission is not wired
 * yet (docs/rebuild.md), so there every build loads in its own container.
 */
import { ChildProcessLoader } from '../batch/child-processes.ts';
import type { ChildLoader } from '../../core/rebuild/index.ts';
import type { Environment } from './env.ts';

/** Child processes for a split load when FRESHINDEX_REBUILD_CHILDREN asks for more than one, outside AWS Batch. */
export function childLoaderFor(env: { FRESHINDEX_REBUILD_CHILDREN?: number | undefined; AWS_BATCH_JOB_ID?: string | undefined }, processEnv: Environment): ChildLoader | undefined {
  if ((env.FRESHINDEX_REBUILD_CHILDREN ?? 1) <= 1 || env.AWS_BATCH_JOB_ID !== undefined) return undefined;
  return new ChildProcessLoader({ configPath: processEnv['FRESHINDEX_CONFIG'] ?? './freshindex.config.ts', env: processEnv });
}
