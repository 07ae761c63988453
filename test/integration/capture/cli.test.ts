/**
 * `freshindex cdc postgres init` as a user runs it: the SQL printed from a config file, or applied
 * to a real PostgreSQL with --apply --url.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../../lambdas/cli/program.ts';
import { usePostgres } from '../../support/postgres.ts';

const pg = usePostgres();
let dir: string;

const CONFIG = `export const config = {
  types: [{ name: 'movie', source: { type: 'jsonl', path: 'movies.jsonl' }, transform: (doc) => doc, version: (doc) => doc.freshindex_seq }],
  capture: { postgres: { connection: { env: 'SHOP_DATABASE_URL' }, tables: [{ table: 'public.movies', event: 'movie' }] } },
};
`;

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), env, cwd: dir };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'freshindex-cdc-cli-'));
  await writeFile(join(dir, 'package.json'), '{ "name": "cdc-cli-test", "type": "module" }');
  await writeFile(join(dir, 'freshindex.config.ts'), CONFIG);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await pg.pool.query('DROP SCHEMA IF EXISTS freshindex CASCADE; CREATE TABLE movies (id text PRIMARY KEY, title text)');
});

describe('freshindex cdc postgres init', () => {
  it("prints the setup SQL for the config's tables without touching the database", async () => {
    const run = await cli(['cdc', 'postgres', 'init']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('CREATE OR REPLACE TRIGGER "freshindex_capture" AFTER INSERT OR UPDATE OR DELETE ON "public"."movies"');
    expect((await pg.pool.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'freshindex'")).rows).toEqual([{ n: 0 }]);
  });

  it('applies the SQL with --apply --url, after which writes are captured', async () => {
    const run = await cli(['cdc', 'postgres', 'init', '--apply', '--url', pg.server.url]);
    await pg.pool.query("INSERT INTO movies VALUES ('m1', 'Alien')");

    expect(run).toMatchObject({ code: 0, stdout: 'change capture set up on public.movies\n' });
    expect((await pg.pool.query('SELECT record_id FROM freshindex.freshindex_changes')).rows).toEqual([{ record_id: 'm1' }]);
  });

  it("applies to the connection of the config (its environment variable's URL) when no --url is given", async () => {
    const run = await cli(['cdc', 'postgres', 'init', '--apply'], { SHOP_DATABASE_URL: pg.server.url });

    expect(run.code).toBe(0);
    expect((await pg.pool.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'freshindex_capture'")).rows).toEqual([{ n: 1 }]);
  });

  it('fails with exit 1 naming the database error, and changes nothing, when a table is missing', async () => {
    await pg.pool.query('DROP TABLE movies');

    const run = await cli(['cdc', 'postgres', 'init', '--apply', '--url', pg.server.url]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/applying the capture SQL failed: .*relation "public.movies" does not exist/);
    expect((await pg.pool.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'freshindex'")).rows).toEqual([{ n: 0 }]);
  });

  it('refuses --url without --apply', async () => {
    const run = await cli(['cdc', 'postgres', 'init', '--url', pg.server.url]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--url and --secret need --apply/);
  });

  it('exits 2 naming the variable when the config\'s database URL is not set and no --url is given', async () => {
    const run = await cli(['cdc', 'postgres', 'init', '--apply']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('$SHOP_DATABASE_URL (the database URL the config names) is not set: set it, or pass --url or --secret');
  });
});
