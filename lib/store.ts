import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IndexCacheRef } from './cache.ts';
import type { CacheNetwork } from './network.ts';
import type { IndexTableSet } from './tables.ts';

/**
 * Where a deployment keeps its index and control state, per the config's `store`: two DynamoDB
 * tables, or (with `store: { type: 'redis' }`) everything in ElastiCache for Valkey.
 */
export type IndexStoreResources = ({ readonly type: 'dynamodb' } & IndexTableSet) | { readonly type: 'redis'; readonly cache: IndexCacheRef };

/**
 * The environment variables naming the store: the two tables, or the cache's `rediss://` URL and
 * the ARN of the secret holding its AUTH token (never the token itself).
 */
export function storeEnvironment(store: IndexStoreResources): Record<string, string> {
  if (store.type === 'redis') {
    return { FRESHINDEX_REDIS_URL: store.cache.url, FRESHINDEX_REDIS_AUTH_SECRET_ARN: store.cache.authSecret.secretArn };
  }
  return { FRESHINDEX_INDEX_TABLE: store.indexTable.tableName, FRESHINDEX_CONTROL_TABLE: store.controlTable.tableName };
}

/** The network a component must run in to reach the store: the cache's, or none for DynamoDB. */
export function storeNetwork(store: IndexStoreResources): CacheNetwork | undefined {
  return store.type === 'redis' ? store.cache.network : undefined;
}

/**
 * Lets `grantee` use the store: read and write both tables, or read the cache's AUTH secret
 * (the cache itself admits it by security group). `tableGrant` replaces the default read-write
 * grant of the tables (the ops API grants only the actions it calls).
 */
export function grantStore(grantee: iam.IGrantable, store: IndexStoreResources, tableGrant?: (tables: IndexTableSet) => void): void {
  if (store.type === 'redis') {
    store.cache.authSecret.grantRead(grantee);
    return;
  }
  if (tableGrant) {
    tableGrant(store);
    return;
  }
  store.indexTable.grantReadWriteData(grantee);
  store.controlTable.grantReadWriteData(grantee);
}
