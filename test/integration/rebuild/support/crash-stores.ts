/**
 * The two stores of the crash test: for each, the settings of a fresh, isolated deployment (its
 * own tables on DynamoDB, its own key prefix on Redis), the job's environment, and what the test
 * reads behind the ports' backs: which generations still hold records, and what the control
 * state still holds that no finished build should leave.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';
import type { RuntimeSettings } from '../../../../lambdas/adapters/compose/index.ts';
import type { StoreConfig } from '../../../../lambdas/core/config/index.ts';
import type { AwsTestEnv } from '../../../support/aws.ts';
import { freshTables } from './dynamo-world.ts';

/** One deployment of the crash test on one store. */
export interface CrashDeployment {
  store: StoreConfig | undefined;
  settings: RuntimeSettings;
  /** What the job needs to reach this deployment's store. */
  jobEnv: Record<string, string>;
  /** The generations that still hold records (tombstones included). */
  generationsHolding(): Promise<number[]>;
  /**
   * Catch-up logs, the lease, and retirement notes of generations other than `named`. (A
   * generation the pointer names keeps its note: that is how the clean-up finds it once it retires.)
   */
  leftovers(named: ReadonlyArray<number | undefined>): Promise<string[]>;
}

export type CrashStore = 'dynamodb' | 'redis';

/** A fresh DynamoDB deployment: its own two tables. */
export async function dynamoDeployment(aws: AwsTestEnv): Promise<CrashDeployment> {
  const names = await freshTables(aws);
  const scanAll = async (table: string, projection?: string) => {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await aws.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ...(projection ? { ProjectionExpression: projection } : {}) }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  };
  return {
    store: undefined,
    settings: names,
    jobEnv: { FRESHINDEX_INDEX_TABLE: names.indexTable, FRESHINDEX_CONTROL_TABLE: names.controlTable },
    async generationsHolding() {
      return sorted(new Set((await scanAll(names.indexTable, 'generation')).map((item) => Number(item['generation']))));
    },
    async leftovers(named) {
      const kept = new Set(named.filter((g) => g !== undefined).map((g) => `retired#${String(g).padStart(10, '0')}`));
      return (await scanAll(names.controlTable)).flatMap((item) => {
        const sk = String(item['sk']);
        const note = sk.startsWith('retired#') && !kept.has(sk);
        return String(item['pk']).includes('#catchup#') || note || sk === 'lease' ? [`${item['pk']} ${sk}`] : [];
      });
    },
  };
}

let deployments = 0;

/** A fresh Redis deployment on `client`'s server: its own key prefix. */
export function redisDeployment(url: string, client: Redis): CrashDeployment {
  const prefix = `crash${++deployments}:`;
  const keys = async (pattern: string) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...page);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };
  return {
    store: { type: 'redis', keyPrefix: prefix },
    settings: { indexTable: '', controlTable: '', redisUrl: url },
    jobEnv: { FRESHINDEX_REDIS_URL: url },
    async generationsHolding() {
      // Record keys are `r:{type:generation:bucket}:id`.
      return sorted(new Set((await keys(`${prefix}r:{video:*`)).map((key) => Number(/\{video:(\d+):/.exec(key)?.[1]))));
    },
    async leftovers(named) {
      const kept = new Set(named.filter((g) => g !== undefined).map(String));
      const notes = Object.keys(await client.hgetall(`${prefix}rt:{video}`)).filter((field) => !kept.has(field));
      const lease = (await client.exists(`${prefix}l:{video}`)) === 1 ? ['lease'] : [];
      return [...(await keys(`${prefix}c:{video:*`)), ...lease, ...notes.map((field) => `retirement note ${field}`)];
    },
  };
}

function sorted(generations: Set<number>): number[] {
  return [...generations].sort((a, b) => a - b);
}
