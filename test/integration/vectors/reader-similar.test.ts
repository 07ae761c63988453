/**
 * `reader.similar` as a recommender calls it (createReader), on each store: the journal the apply
 * path writes reaches a reader that already built its index, and a quarantined id is left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { DynamoCatchUpLog } from '../../../lambdas/adapters/dynamodb/catch-up-log.ts';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import { DynamoQuarantineStore } from '../../../lambdas/adapters/dynamodb/quarantine-store.ts';
import { initialPointer } from '../../../lambdas/core/pointer.ts';
import type { CatchUpLog, PointerStore, QuarantineStore, RecordStore } from '../../../lambdas/core/ports.ts';
import { journalingStore } from '../../../lambdas/core/vectors/index.ts';
import { createReader, type ReaderOptions } from '../../../lambdas/reader/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { useRedis } from '../../support/redis.ts';
import { createTables } from '../../support/tables.ts';

interface Deployment {
  store: PointerStore & RecordStore;
  catchUp: CatchUpLog;
  quarantine: QuarantineStore;
  readerOptions: ReaderOptions;
}

const redis = useRedis();
let aws: AwsTestEnv;
const tables = { indexTable: 'vec-reader-index', controlTable: 'vec-reader-control' };

beforeAll(async () => {
  aws = await startAws();
  await createTables(aws.dynamodb, tables);
});
afterAll(async () => aws.stop());

const deployments: Array<[string, () => Deployment]> = [
  ['redis', () => ({ ...createRedisStores({ client: redis.client, tombstoneTtlSeconds: 3600 }), readerOptions: { store: { type: 'redis' }, redis: redis.client } })],
  [
    'dynamodb',
    () => ({
      store: new DynamoIndexStore({ client: aws.doc, ...tables, tombstoneTtlSeconds: 3600 }),
      catchUp: new DynamoCatchUpLog(aws.doc, tables.controlTable),
      quarantine: new DynamoQuarantineStore(aws.doc, tables.controlTable),
      readerOptions: { dynamodb: aws.doc, ...tables },
    }),
  ],
];

const axis = (i: number, nudge = 0) => Float32Array.from({ length: 4 }, (_, d) => (d === i ? 1 : d === (i + 1) % 4 ? nudge : 0));

describe.each(deployments)('reader.similar on %s', (name, deploy) => {
  it('sees a record the apply path wrote after the index was built, and leaves out a quarantined one', async () => {
    // Prepare: a type with three records, a reader that built its index, then a change journaled as the apply path does.
    const { store, catchUp, quarantine, readerOptions } = deploy();
    const type = `film-${name}`;
    let now = 1_000_000;
    await store.swapPointer(undefined, initialPointer(type, now));
    const applied = journalingStore(store, { journal: catchUp, hasVectors: () => true, clock: () => now });
    const upsert = (id: string, vector: Float32Array) => ({ kind: 'upsert' as const, id, version: 1, hash: `h-${id}`, record: { title: id }, vector });
    await applied.write(type, 1, [upsert('q', axis(0)), upsert('near', axis(0, 0.2)), upsert('far', axis(2))]);
    const reader = createReader({ ...readerOptions, clock: () => now, vectorRefreshMs: 1_000 });
    expect((await reader.similar(type, 'q', { k: 1 })).map((item) => item.id)).toEqual(['near']);
    await applied.write(type, 1, [upsert('nearer', axis(0, 0.05))]);
    await quarantine.add({ type, id: 'near', since: now, differences: 3, lastDifference: 'hash differs', cleanChecks: 0 });

    // Act: past the refresh interval and the caches.
    now += 20_000;
    const items = await reader.similar(type, 'q', { k: 2 });

    // Assess
    expect(items.map((item) => [item.id, item.record])).toEqual([['nearer', { title: 'nearer' }], ['far', { title: 'far' }]]);
    await reader.close();
  });
});
