/**
 * The rebuild job over a Postgres source, as AWS Batch runs it (in-process): the table scanned
 * in segments into the DynamoDB index, versions from the captured sequence, the pool closed.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBuildControl } from '../../../lambdas/adapters/dynamodb/builds.ts';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { EXIT, runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { usePostgres } from '../../support/postgres.ts';
import { freshTables } from '../rebuild/support/dynamo-world.ts';
import { createInbox } from '../rebuild/support/topics.ts';

const ROWS = Number(process.env['FRESHINDEX_PG_REBUILD_ROWS'] ?? 400);

describe('the rebuild job over a Postgres source', () => {
  const postgres = usePostgres();
  let aws: AwsTestEnv;
  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => {
    await aws?.stop();
  });

  it('loads every row in segments, versioned by its captured seq, and goes live', async () => {
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
    const records = await store.getRecords('offer', generation, ['1', '2', String(ROWS)]);
    expect(records.get('1')).toMatchObject({ version: 1001, record: { price: 0.25 } });
    expect(records.get('2')).toMatchObject({ version: 0, record: { price: 0.5 } });
    expect(await new DynamoBuildControl(aws.doc, names.controlTable).latest('offer')).toMatchObject({
      status: 'succeeded',
      report: { counts: { scanned: ROWS, loaded: ROWS, generation: ROWS } },
    });
    const open = await postgres.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'freshindex'`);
    expect(open.rows[0].n).toBe(0);
  });
});
