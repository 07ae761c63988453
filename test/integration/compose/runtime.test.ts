/**
 * The composition root's bundle: for each store type, every port an entry point needs, no SDK
 * client among them, and the index in the store the config selects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../../lambdas/adapters/compose/index.ts';
import { createTables } from '../../support/tables.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { useRedis } from '../../support/redis.ts';

const tables = { indexTable: 'bundle-index', controlTable: 'bundle-control' };
const configOf = (type: 'dynamodb' | 'redis') => ({
  store: { type },
  types: [{ name: 'video', source: { type: 'jsonl' as const, path: '/dev/null' }, transform: (doc: Record<string, unknown>) => ({ title: doc['title'] }), version: () => 1 }],
});

/** The bundle's ports and the methods each must have. */
const PORTS: Record<string, string[]> = {
  records: ['write', 'getRecords', 'bulkPut', 'scanGeneration', 'deleteRecords'],
  pointers: ['get', 'entry', 'invalidate'],
  pointerStore: ['readPointer', 'swapPointer'],
  catchUp: ['record', 'read', 'clear', 'forget'],
  quarantine: ['list', 'get'],
  builds: ['acquire', 'renew', 'release', 'read', 'save', 'get', 'latest', 'list', 'add', 'pending', 'remove', 'sweptBelow', 'markSwept'],
  reservations: ['reserve', 'attach', 'cancel', 'settle', 'read'],
  differences: ['get', 'recordDifference', 'recordClean', 'clear'],
  auditReports: ['save', 'latest', 'history'],
  notifier: ['alert', 'report'],
  checkScheduler: ['schedule', 'scheduleAll'],
  buildLauncher: ['submit'],
  jobWatch: ['runnableSince', 'markStuckAlerted'],
  deadLetters: ['send'],
};

/** True for an AWS SDK client (a middleware stack) or an ioredis client (`sendCommand`). */
function isVendorClient(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return 'middlewareStack' in value || 'sendCommand' in value;
}

describe('the composition root', () => {
  const redis = useRedis();
  let aws: AwsTestEnv;
  const opened: Runtime[] = [];

  beforeAll(async () => {
    aws = await startAws();
    await createTables(aws.dynamodb, tables);
  });
  afterAll(async () => {
    await Promise.all(opened.map((runtime) => runtime.close()));
    await aws.stop();
  });

  const runtimeOf = (type: 'dynamodb' | 'redis'): Runtime => {
    const runtime = createRuntime(configOf(type), { ...tables, redisUrl: redis.server.url }, { dynamodb: aws.dynamodb });
    opened.push(runtime);
    return runtime;
  };

  describe.each(['dynamodb', 'redis'] as const)('with store %s', (type) => {
    it('hands out every port, and no SDK client', () => {
      // Act
      const runtime = runtimeOf(type);

      // Assess
      for (const [port, methods] of Object.entries(PORTS)) {
        const value = (runtime as unknown as Record<string, Record<string, unknown> | undefined>)[port];
        for (const method of methods) expect(typeof value?.[method], `${port}.${method}`).toBe('function');
      }
      expect(runtime.types.get('video')?.source).toBeDefined();
      for (const [name, value] of Object.entries(runtime)) expect(isVendorClient(value), name).toBe(false);
    });

    it('writes the index into the store the config selects', async () => {
      // Prepare
      const runtime = runtimeOf(type);
      const { active } = await runtime.pointers.get('video');
      const id = `in-${type}`;

      // Act
      await runtime.records.write('video', active, [{ kind: 'upsert', id, version: 1, hash: contentHash({ title: 't' }), record: { title: 't' } }]);

      // Assess
      const redisKeys = await redis.client.keys('*');
      expect(redisKeys.some((key) => key.includes(id))).toBe(type === 'redis');
      expect((await runtime.records.getRecords('video', active, [id])).get(id)).toMatchObject({ version: 1 });
    });
  });

  it('counts generations without a scan on both stores, and probes table capacity only on DynamoDB', () => {
    // Act
    const [dynamo, onRedis] = [runtimeOf('dynamodb'), runtimeOf('redis')];

    // Assess
    expect([dynamo.counter !== undefined, dynamo.capacity !== undefined]).toEqual([true, true]);
    expect([onRedis.counter !== undefined, onRedis.capacity]).toEqual([true, undefined]);
  });

  it('refuses a Redis config without a Redis URL, naming the variable', () => {
    expect(() => createRuntime(configOf('redis'), tables, { dynamodb: aws.dynamodb })).toThrow(/FRESHINDEX_REDIS_URL/);
  });
});
