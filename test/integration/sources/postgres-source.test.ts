/**
 * The Postgres table source against a real PostgreSQL server: documents as JSON, reads by key,
 * keyset scans in hash segments (under concurrent inserts and deletes), captured versions, the
 * planner's estimate, errors, and the shared pool.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresPools } from '../../../lambdas/adapters/postgres/connection.ts';
import { PostgresSource } from '../../../lambdas/adapters/sources/postgres-source.ts';
import { postgresSourceSchema, type PostgresSourceConfig } from '../../../lambdas/core/config/postgres.ts';
import { SourceError } from '../../../lambdas/core/errors.ts';
import type { ScanOptions, SourceDoc } from '../../../lambdas/core/ports.ts';
import { freePort } from '../../../lambdas/local/dev/ports.ts';
import { usePostgres } from '../../support/postgres.ts';

const FAST = { baseMs: 1, capMs: 5 };

describe('PostgresSource', () => {
  const postgres = usePostgres();
  const opened: PostgresSource[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((source) => source.close()));
  });

  /** A source on the test server (its URL in the environment), config as a user writes it. */
  function sourceOn(config: Record<string, unknown>, url = postgres.server.url): PostgresSource {
    const parsed: PostgresSourceConfig = postgresSourceSchema.parse({ type: 'postgres', connection: { env: 'DB_URL' }, ...config });
    const source = new PostgresSource(parsed, { env: { DB_URL: url }, backoff: FAST });
    opened.push(source);
    return source;
  }

  async function items(count: number): Promise<void> {
    await postgres.pool.query(`CREATE TABLE items (id integer PRIMARY KEY, title text NOT NULL)`);
    await postgres.pool.query(`INSERT INTO items SELECT n, 'Item ' || n FROM generate_series(1, $1) n`, [count]);
  }

  async function collect(pages: AsyncIterable<SourceDoc[]>): Promise<SourceDoc[]> {
    const all: SourceDoc[] = [];
    for await (const page of pages) all.push(...page);
    return all;
  }

  it('returns a row as JSON: numbers, text, timestamps as ISO strings, json columns and arrays as they are, nulls kept', async () => {
    // Prepare: a row of the common column types.
    await postgres.pool.query(`CREATE TABLE catalog (
      sku text PRIMARY KEY, price numeric(10,2), stock bigint, tags text[], attrs jsonb, updated_at timestamptz, released date, note text)`);
    await postgres.pool.query(
      `INSERT INTO catalog VALUES ('P-1', 19.90, 42, ARRAY['a','b'], '{"color":"red"}', '2026-12-01T10:00:00.123Z', '2026-11-30', NULL)`,
    );
    const source = sourceOn({ table: 'public.catalog', keyColumn: 'sku' });

    // Act
    const doc = await source.get('P-1');

    // Assess
    expect(doc).toEqual({
      sku: 'P-1',
      price: 19.9,
      stock: 42,
      tags: ['a', 'b'],
      attrs: { color: 'red' },
      updated_at: '2026-12-01T10:00:00.123+00:00',
      released: '2026-11-30',
      note: null,
    });
  });

  it('answers undefined for an id the table does not hold, and for one its key type cannot hold', async () => {
    // Prepare
    await items(3);
    const source = sourceOn({ table: 'items' });

    // Act + Assess
    expect(await source.get('4')).toBeUndefined();
    expect(await source.get('not-a-number')).toBeUndefined();
    expect(await source.get('2')).toEqual({ id: 2, title: 'Item 2' });
  });

  it('gets many documents by id, leaving out unknown ids and ids the key type cannot hold', async () => {
    // Prepare: more ids than one query carries.
    await items(2_500);
    const source = sourceOn({ table: 'items' });
    const ids = [...Array.from({ length: 2_500 }, (_, index) => String(index + 1)), '9999', 'x-1', '1'];

    // Act
    const found = await source.getMany(ids);

    // Assess: every known id once, keyed by its id as text.
    expect(found.size).toBe(2_500);
    expect(found.get('1234')).toEqual({ id: 1234, title: 'Item 1234' });
    expect(found.has('9999')).toBe(false);
    expect(found.has('x-1')).toBe(false);
  });

  it('returns only the configured columns', async () => {
    // Prepare
    await postgres.pool.query(`CREATE TABLE users (id uuid PRIMARY KEY, name text, email text, password_hash text)`);
    await postgres.pool.query(`INSERT INTO users VALUES ('6f1c1f0e-8d9b-4b59-9d54-0c6a1b9f2e11', 'Ada', 'ada@example.com', 'secret')`);
    const source = sourceOn({ table: 'users', columns: ['id', 'name'] });

    // Act
    const [scanned] = await collect(source.scan({ segment: 0, totalSegments: 1 }));
    const read = await source.get('6f1c1f0e-8d9b-4b59-9d54-0c6a1b9f2e11');

    // Assess
    expect(scanned).toEqual({ id: '6f1c1f0e-8d9b-4b59-9d54-0c6a1b9f2e11', name: 'Ada' });
    expect(read).toEqual(scanned);
  });

  it('scans in pages of the configured size', async () => {
    // Prepare
    await items(45);
    const source = sourceOn({ table: 'items', pageSize: 20 });

    // Act
    const pages: number[] = [];
    for await (const page of source.scan({ segment: 0, totalSegments: 1, pageSize: 7 })) pages.push(page.length);

    // Assess: the config's page size wins over the caller's hint.
    expect(pages).toEqual([20, 20, 5]);
  });

  it('scans in segments that are disjoint and together hold every row', async () => {
    // Prepare
    await items(300);
    const source = sourceOn({ table: 'items' });

    // Act: four segments, small pages.
    const segments = await Promise.all([0, 1, 2, 3].map((segment) => collect(source.scan({ segment, totalSegments: 4, pageSize: 17 }))));

    // Assess
    const ids = segments.flat().map((doc) => doc['id'] as number);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    expect(segments.every((segment) => segment.length > 30)).toBe(true);
  });

  it('returns every row that exists throughout a scan while rows are inserted and deleted between its pages', async () => {
    // Prepare: 200 rows, keys 10, 20, ... 2000; the scan runs in 3 segments.
    await postgres.pool.query(`CREATE TABLE items (id integer PRIMARY KEY, title text NOT NULL)`);
    await postgres.pool.query(`INSERT INTO items SELECT n * 10, 'Item ' || n FROM generate_series(1, 200) n`);
    const source = sourceOn({ table: 'items' });
    const deleted = new Set<number>();
    let round = 0;

    // Act: after every page, insert keys between the existing ones and delete rows on both sides of the cursor.
    const seen: number[] = [];
    const scanWhileChanging = async (options: ScanOptions) => {
      for await (const page of source.scan(options)) {
        seen.push(...page.map((doc) => doc['id'] as number));
        round += 1;
        await postgres.pool.query(`INSERT INTO items SELECT n * 10 + $1, 'new' FROM generate_series(1, 200) n ON CONFLICT DO NOTHING`, [round % 9 || 1]);
        const victims = [round * 70, 2000 - round * 30].filter((id) => id > 0);
        const removed = await postgres.pool.query<{ id: number }>(`DELETE FROM items WHERE id = ANY($1) RETURNING id`, [victims]);
        removed.rows.forEach((row) => deleted.add(row.id));
      }
    };
    await Promise.all([0, 1, 2].map((segment) => scanWhileChanging({ segment, totalSegments: 3, pageSize: 9 })));

    // Assess: each original row not deleted was returned, exactly once.
    const throughout = Array.from({ length: 200 }, (_, index) => (index + 1) * 10).filter((id) => !deleted.has(id));
    expect(deleted.size).toBeGreaterThan(10);
    expect(seen.filter((id) => id % 10 === 0 && !deleted.has(id)).sort((a, b) => a - b)).toEqual(throughout);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('adds freshindex_seq from the captured versions to every document of a captured table, 0 when the row has none', async () => {
    // Prepare: the versions table as `freshindex cdc postgres init` creates it, two rows captured.
    await items(3);
    await postgres.pool.query(`DROP SCHEMA IF EXISTS freshindex CASCADE; CREATE SCHEMA freshindex;
      CREATE TABLE freshindex.freshindex_versions (table_name text, record_id text, seq bigint, PRIMARY KEY (table_name, record_id));
      INSERT INTO freshindex.freshindex_versions VALUES ('public.items', '1', 17), ('public.items', '2', 23), ('public.other', '3', 99);`);
    const source = sourceOn({ table: 'items', captured: true });

    // Act
    const scanned = await collect(source.scan({ segment: 0, totalSegments: 1 }));
    const many = await source.getMany(['1', '3']);

    // Assess
    expect(scanned).toEqual([
      { id: 1, title: 'Item 1', freshindex_seq: 17 },
      { id: 2, title: 'Item 2', freshindex_seq: 23 },
      { id: 3, title: 'Item 3', freshindex_seq: 0 },
    ]);
    expect(Object.fromEntries(many)).toEqual({ '1': scanned[0], '3': scanned[2] });
    expect(await source.get('2')).toEqual(scanned[1]);
  });

  it("estimates the count from the planner's statistics, and nothing before the table was analyzed", async () => {
    // Prepare
    await items(1_000);
    const source = sourceOn({ table: 'items' });
    const before = await source.estimateCount();

    // Act
    await postgres.pool.query('ANALYZE items');
    const after = await source.estimateCount();

    // Assess
    expect(before).toBeUndefined();
    expect(after).toBe(1_000);
  });

  it('reports a missing table as widespread: every read of the type fails alike', async () => {
    // Prepare
    const source = sourceOn({ table: 'nowhere' });

    // Act
    const error = await source.get('1').catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ widespread: true, context: { code: '42P01', table: 'nowhere' } });
  });

  it('reports a role without SELECT on the table as widespread', async () => {
    // Prepare: a role that may log in (trust on loopback) but not read the table.
    await items(1);
    await postgres.pool.query('DROP ROLE IF EXISTS stranger; CREATE ROLE stranger LOGIN');
    const source = sourceOn({ table: 'items' }, `postgres://stranger@127.0.0.1:${postgres.server.port}/postgres`);

    // Act
    const error = await source.getMany(['1']).catch((thrown: unknown) => thrown);

    // Assess: a PartialReadError whose every failure is the refused grant.
    expect(error).toMatchObject({ widespread: true, failures: new Map([['1', expect.objectContaining({ context: expect.objectContaining({ code: '42501' }) })]]) });
  });

  it('reports a server that is not running as retryable after its retries', async () => {
    // Prepare
    const retries: unknown[] = [];
    const parsed = postgresSourceSchema.parse({ type: 'postgres', table: 'items', connection: { env: 'DB_URL' } });
    const source = new PostgresSource(parsed, {
      env: { DB_URL: `postgres://postgres@127.0.0.1:${await freePort()}/postgres` },
      backoff: { ...FAST, onRetry: (event) => retries.push(event) },
    });
    opened.push(source);

    // Act
    const error = await source.get('1').catch((thrown: unknown) => thrown);

    // Assess: tried again inside the call (3 retries), then left retryable for redelivery.
    expect(error).toMatchObject({ retryable: true, widespread: false, context: { code: 'ECONNREFUSED' } });
    expect(retries).toHaveLength(3);
  });

  it('shares one pool between the sources of one connection and ends its connections on close', async () => {
    // Prepare: two types on the same database, through the process's pools.
    await items(10);
    await postgres.pool.query('CREATE TABLE tags (id text PRIMARY KEY)');
    const pools = new PostgresPools({ env: { DB_URL: postgres.server.url }, poolOptions: { application_name: 'freshindex-shared' } });
    const connection = { env: 'DB_URL', maxConnections: 2 };
    const a = new PostgresSource(postgresSourceSchema.parse({ type: 'postgres', table: 'items', connection }), { pools });
    const b = new PostgresSource(postgresSourceSchema.parse({ type: 'postgres', table: 'tags', connection }), { pools });
    const connections = async () =>
      Number((await postgres.pool.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'freshindex-shared'`)).rows[0].n);

    // Act: many reads at once from both.
    await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 ? a.get(String(index)) : b.get(String(index)))));
    const open = await connections();
    await pools.close();
    // A backend leaves pg_stat_activity a moment after its client hung up.
    const afterClose = await vi.waitFor(async () => {
      const left = await connections();
      if (left > 0) throw new Error(`${left} connections left`);
      return left;
    });

    // Assess: at most maxConnections for both types; none left after close.
    await expect(pools.pool(connection)).rejects.toThrow(/closed/);
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(2);
    expect(afterClose).toBe(0);
  });
});
