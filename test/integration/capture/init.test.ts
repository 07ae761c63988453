/**
 * The capture setup against a real PostgreSQL: the triggers feed the change and versions tables of
 * the contract, and the SQL runs again without harm.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { initSql } from '../../../lambdas/core/capture/init.ts';
import { applyCaptureSql } from '../../../lambdas/adapters/compose/capture.ts';
import { usePostgres } from '../../support/postgres.ts';

const pg = usePostgres();

beforeEach(async () => {
  await pg.pool.query('DROP SCHEMA IF EXISTS freshindex CASCADE; DROP SCHEMA IF EXISTS "odd ""schema" CASCADE');
});

describe('cdc postgres init', () => {
  it('captures inserts, updates and deletes with their rows, in statement order', async () => {
    await pg.pool.query('CREATE TABLE movies (id text PRIMARY KEY, title text)');
    await applyCaptureSql(pg.pool, initSql([{ table: 'movies', idColumn: 'id' }]));

    await pg.pool.query("INSERT INTO movies VALUES ('m1', 'Alien')");
    await pg.pool.query("UPDATE movies SET title = 'Aliens' WHERE id = 'm1'");
    await pg.pool.query("DELETE FROM movies WHERE id = 'm1'");

    const { rows } = await pg.pool.query('SELECT op, table_name, record_id, old_row, new_row, txid IS NOT NULL AS has_txid FROM freshindex.freshindex_changes ORDER BY seq');
    expect(rows).toEqual([
      { op: 'INSERT', table_name: 'public.movies', record_id: 'm1', old_row: null, new_row: { id: 'm1', title: 'Alien' }, has_txid: true },
      { op: 'UPDATE', table_name: 'public.movies', record_id: 'm1', old_row: { id: 'm1', title: 'Alien' }, new_row: { id: 'm1', title: 'Aliens' }, has_txid: true },
      { op: 'DELETE', table_name: 'public.movies', record_id: 'm1', old_row: { id: 'm1', title: 'Aliens' }, new_row: null, has_txid: true },
    ]);
  });

  it("keeps each row's latest seq in the versions table", async () => {
    await pg.pool.query('CREATE TABLE movies (id int PRIMARY KEY, title text)');
    await applyCaptureSql(pg.pool, initSql([{ table: 'movies', idColumn: 'id' }]));

    await pg.pool.query("INSERT INTO movies VALUES (1, 'Alien'), (2, 'Heat')");
    await pg.pool.query("UPDATE movies SET title = 'Aliens' WHERE id = 1");

    const latest = await pg.pool.query("SELECT record_id, max(seq)::int AS seq FROM freshindex.freshindex_changes GROUP BY record_id");
    const versions = await pg.pool.query('SELECT table_name, record_id, seq::int AS seq FROM freshindex.freshindex_versions ORDER BY record_id');
    expect(versions.rows).toEqual(latest.rows.map((row) => ({ table_name: 'public.movies', ...row })).sort((a, b) => a.record_id.localeCompare(b.record_id)));
  });

  it('records an update that changes the id as a delete of the old id and an insert of the new', async () => {
    await pg.pool.query('CREATE TABLE movies (id text PRIMARY KEY, title text)');
    await applyCaptureSql(pg.pool, initSql([{ table: 'movies', idColumn: 'id' }]));
    await pg.pool.query("INSERT INTO movies VALUES ('old', 'Alien')");

    await pg.pool.query("UPDATE movies SET id = 'new' WHERE id = 'old'");

    const { rows } = await pg.pool.query('SELECT op, record_id FROM freshindex.freshindex_changes WHERE seq > 1 ORDER BY seq');
    expect(rows).toEqual([{ op: 'DELETE', record_id: 'old' }, { op: 'INSERT', record_id: 'new' }]);
  });

  it('runs again without error or duplicate triggers, and picks up a newly named table', async () => {
    await pg.pool.query('CREATE TABLE movies (id text PRIMARY KEY); CREATE SCHEMA "odd ""schema"; CREATE TABLE "odd ""schema"."Items" (sku text PRIMARY KEY)');
    await applyCaptureSql(pg.pool, initSql([{ table: 'movies', idColumn: 'id' }]));

    await applyCaptureSql(pg.pool, initSql([{ table: 'movies', idColumn: 'id' }, { table: 'odd "schema.Items', idColumn: 'sku' }]));
    await pg.pool.query("INSERT INTO movies VALUES ('m1')");
    await pg.pool.query(`INSERT INTO "odd ""schema"."Items" VALUES ('s1')`);

    const { rows } = await pg.pool.query('SELECT table_name, record_id FROM freshindex.freshindex_changes ORDER BY seq');
    expect(rows).toEqual([
      { table_name: 'public.movies', record_id: 'm1' },
      { table_name: 'odd "schema.Items', record_id: 's1' },
    ]);
  });

  it('lets a role without any grant on the freshindex schema write a captured table', async () => {
    await pg.pool.query('CREATE TABLE movies (id text PRIMARY KEY); DROP ROLE IF EXISTS app; CREATE ROLE app; GRANT USAGE ON SCHEMA public TO app; GRANT INSERT ON movies TO app');
    await applyCaptureSql(pg.pool, initSql([{ table: 'movies', idColumn: 'id' }]));

    const client = await pg.pool.connect();
    try {
      await client.query("SET ROLE app; INSERT INTO movies VALUES ('m1'); RESET ROLE");
    } finally {
      client.release();
    }

    const { rows } = await pg.pool.query('SELECT record_id FROM freshindex.freshindex_changes');
    expect(rows).toEqual([{ record_id: 'm1' }]);
  });

  it('refuses a row without an id and leaves the write undone', async () => {
    await pg.pool.query('CREATE TABLE movies (id text, title text)');
    await applyCaptureSql(pg.pool, initSql([{ table: 'movies', idColumn: 'id' }]));

    await expect(pg.pool.query("INSERT INTO movies VALUES (NULL, 'Alien')")).rejects.toThrow(/public.movies has no value in its id column "id"/);

    expect((await pg.pool.query('SELECT count(*)::int AS n FROM movies')).rows).toEqual([{ n: 0 }]);
  });
});
