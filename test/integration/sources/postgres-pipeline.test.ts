/**
 * Postgres sources in the pipeline: the apply path as the runtime wires it (id-only changes read
 * from their tables, one pool per connection, ended by the runtime's close), and the rebuild job
 * as AWS Batch runs it (in-process: the table scanned in segments into the DynamoDB index,
 * versions from the captured sequence, the pool closed).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime } from '../../../lambdas/adapters/compose/index.ts';
import { DynamoBuildControl } from '../../../lambdas/adapters/dynamodb/builds.ts';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import { applyChanges } from '../../../lambdas/core/apply.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { EXIT, runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { usePostgres } from '../../support/postgres.ts';
import { freshTables } from '../rebuild/support/dynamo-world.ts';
import { createInbox } from '../rebuild/support/topics.ts';

const ROWS = Number(process.env['FRESHINDEX_PG_REBUILD_ROWS'] ?? 400);
const connection = { env: 'CATALOG_DB_URL', maxConnections: 2 };

describe('Postgres sources in the pipeline', () => {
  const postgres = usePostgres();
  let aws: AwsTestEnv;
  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => {
    await aws?.stop();
  });

  it('applies: reads id-only changes from their tables, two types on one pool, and closes it with the runtime', async () => {
    // Prepare: two tables of one database; the runtime as an entry point builds it.
    await postgres.pool.query(`CREATE TABLE products (sku text PRIMARY KEY, name text, updated bigint);
      INSERT INTO products VALUES ('P-1', 'Lamp', 5), ('P-2', 'Desk', 7);
      CREATE TABLE offers (id integer PRIMARY KEY, sku text, price numeric, updated bigint);
      INSERT INTO offers VALUES (10, 'P-1', 19.5, 3);`);
    const config: FreshindexConfigInput = {
      types: [
        {
          name: 'product',
          source: { type: 'postgres', table: 'products', keyColumn: 'sku', connection },
          id: (doc) => String(doc['sku']),
          transform: (doc) => ({ name: doc['name'] }),
          version: (doc) => Number(doc['updated']),
        },
        {
          name: 'offer',
          source: { type: 'postgres', table: 'offers', connection },
          transform: (doc) => ({ sku: doc['sku'], price: doc['price'] }),
          version: (doc) => Number(doc['updated']),
        },
      ],
    };
    const tables = await freshTables(aws);
    const runtime = createRuntime(config, tables, { dynamodb: aws.dynamodb, sourceDeps: { env: { CATALOG_DB_URL: postgres.server.url } } });
    const connections = async () =>
      (await postgres.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'freshindex'`)).rows[0]?.n;

    // Act: a batch of id-only changes, one of a row that does not exist.
    const outcomes = await applyChanges(runtime, [
      { key: 'a', change: { type: 'product', id: 'P-1', op: 'upsert' } },
      { key: 'b', change: { type: 'product', id: 'P-2', op: 'upsert' } },
      { key: 'c', change: { type: 'offer', id: '10', op: 'upsert' } },
      { key: 'd', change: { type: 'offer', id: '11', op: 'upsert' } },
    ]);
    const open = await connections();
    await runtime.close();

    // Assess: the rows' versions and records in the index, the missing row a delete; one pool of at most 2.
    expect(Object.fromEntries([...outcomes].map(([key, outcome]) => [key, outcome.status === 'applied' ? `${outcome.op}@${outcome.version}` : outcome.status]))).toEqual({
      a: 'upsert@5',
      b: 'upsert@7',
      c: 'upsert@3',
      d: expect.stringMatching(/^delete@/),
    });
    const reader = createRuntime(config, tables, { dynamodb: aws.dynamodb });
    const { active } = await reader.pointers.get('offer');
    expect((await reader.records.getRecords('offer', active, ['10'])).get('10')).toMatchObject({ version: 3, record: { sku: 'P-1', price: 19.5 } });
    await reader.close();
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(2);
    await vi.waitFor(async () => expect(await connections()).toBe(0));
  });
  it('rebuilds: loads every row in segments, versioned by its captured seq, and goes live', async () => {
    // Prepare: a captured table, half its rows with a captured change.
    await postgres.pool.query(`CREATE TABLE offers (id integer PRIMARY KEY, price numeric(8,2) NOT NULL)`);
    await postgres.pool.query(`INSERT INTO offers SELECT n, n / 4.0 FROM generate_series(1, $1) n`, [ROWS]);
    await postgres.pool.query(`DROP SCHEMA IF EXISTS freshindex CASCADE; CREATE SCHEMA freshindex;
      CREATE TABLE freshindex.freshindex_versions (table_name text, record_id text, seq bigint, PRIMARY KEY (table_name, record_id));
      INSERT INTO freshindex.freshindex_versions SELECT 'public.offers', n::text, 1000 + n FROM generate_series(1, $1, 2) n;`.replace('$1', String(ROWS)));
    const names = await freshTables(aws);
    const config: FreshindexConfigInput = {
      pointerCacheSeconds: 1,
      types: [
        {
          name: 'offer',
          source: { type: 'postgres', table: 'offers', connection: { env: 'OFFERS_DB_URL' }, captured: true },
          transform: (doc) => ({ price: doc['price'] }),
          version: (doc) => Number(doc['freshindex_seq']),
          rebuild: { concurrency: 4 },
        },
      ],
    };
    const env = {
      FRESHINDEX_INDEX_TABLE: names.indexTable,
      FRESHINDEX_CONTROL_TABLE: names.controlTable,
      FRESHINDEX_NOTIFICATIONS_TOPIC_ARN: (await createInbox(aws, 'notifications')).topicArn,
      FRESHINDEX_ALERTS_TOPIC_ARN: (await createInbox(aws, 'alerts')).topicArn,
      FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '50',
      FRESHINDEX_REBUILD_LEASE_SECONDS: '5',
      OFFERS_DB_URL: postgres.server.url,
    };

    // Act
    const exitCode = await runJob(config, ['rebuild', '--type', 'offer'], env, {
      dynamodb: aws.dynamodb,
      sns: aws.sns,
      logger: new Logger({ serviceName: 'test-rebuild', logLevel: 'SILENT' }),
    });

    // Assess: every row live, a captured row at its seq, an uncaptured one at 0; no connection left open.
    expect(exitCode).toBe(EXIT.ok);
    const store = new DynamoIndexStore({ client: aws.doc, ...names, tombstoneTtlSeconds: 3600 });
    const generation = (await store.readPointer('offer'))?.active as number;
    const ids = Array.from({ length: ROWS }, (_, i) => String(i + 1));
    const records = await store.getRecords('offer', generation, ids);
    expect(ids.filter((id) => records.get(id)?.deleted !== false)).toEqual([]);
    expect(records.get('1')).toMatchObject({ version: 1001, record: { price: 0.25 } });
    expect(records.get('2')).toMatchObject({ version: 0, record: { price: 0.5 } });
    expect(await new DynamoBuildControl(aws.doc, names.controlTable).latest('offer')).toMatchObject({
      status: 'succeeded',
      report: { counts: { scanned: ROWS, loaded: ROWS, generation: ROWS } },
    });
    // A backend leaves pg_stat_activity a moment after its client hung up.
    await vi.waitFor(async () => {
      const open = await postgres.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'freshindex'`);
      expect(open.rows[0].n).toBe(0);
    });
  });
});
