/**
 * The rebuild's ports with the index on Redis (records, pointers, catch-up log, counter) and the
 * build control in the DynamoDB control table, as a deployment with `store: { type: 'redis' }` runs.
 */
import { applyChanges, type ApplyDeps } from '../../../../lambdas/core/apply.ts';
import type { TypeConfig } from '../../../../lambdas/core/config/index.ts';
import { PointerCache } from '../../../../lambdas/core/pointer-cache.ts';
import type { RedisStores } from '../../../../lambdas/adapters/redis/index.ts';
import type { AwsTestEnv } from '../../../support/aws.ts';
import type { InterleavingWorld } from '../../../unit/rebuild/support/interleaving.ts';
import { createDynamoWorld } from './dynamo-world.ts';

/** A world whose index is `stores` (emptied by the caller between tests). */
export async function createRedisWorld(aws: AwsTestEnv, stores: RedisStores, type: TypeConfig, pointerCacheMs: number): Promise<InterleavingWorld> {
  const world = await createDynamoWorld(aws, type, pointerCacheMs);
  const { store, catchUp } = stores;
  const deps = { ...world.deps, pointers: store, records: store, catchUp, counter: store };
  return {
    type,
    source: world.source,
    index: store,
    deps,
    options: world.options,
    applier() {
      const applyDeps: ApplyDeps = {
        types: new Map([[type.name, { config: type, source: world.source }]]),
        pointers: new PointerCache(store, pointerCacheMs, Date.now),
        records: store,
        catchUp,
        clock: Date.now,
      };
      return (changes) => applyChanges(applyDeps, changes);
    },
  };
}
