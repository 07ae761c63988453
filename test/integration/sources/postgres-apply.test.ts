/**
 * The apply path over Postgres sources, as the runtime wires it: changes that carry only an id
 * are read from their tables, two types on one connection share one pool, and the runtime's
 * close ends its connections.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime } from '../../../lambdas/adapters/compose/index.ts';
import { applyChanges } from '../../../lambdas/core/apply.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { usePostgres } from '../../support/postgres.ts';
import { createTables } from '../../support/tables.ts';

const tables = { indexTable: 'pg-apply-index', controlTable: 'pg-apply-control' };
const connection = { env: 'CATALOG_DB_URL', maxConnections: 2 };

describe('the apply path over Postgres sources', () => {
  const postgres = usePostgres();
  let aws: AwsTestEnv;
  beforeAll(async () => {
    aws = await startAws();
    await createTables(aws.dynamodb, tables);
  });
  afterAll(async () => {
    await aws?.stop();
  });

  it('reads id-only changes from their tables, two types on one pool, and closes it with the runtime', async () => {
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
});
