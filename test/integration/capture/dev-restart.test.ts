/**
 * `npm start` on a captured Postgres table after a stop: the emulators start empty, the relay has
 * changes waiting, and the type must still get its initial build (not only the waiting changes).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { synthesizeStacks } from '../../../bin/freshindex.ts';
import { applyCaptureSql } from '../../../lambdas/adapters/compose/capture.ts';
import { initSql } from '../../../lambdas/core/capture/init.ts';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { startDevRuntime, type DevRuntime } from '../../../lambdas/local/dev/runtime.ts';
import { config } from '../../../examples/postgres/freshindex.config.ts';
import { cli, REPO_ROOT } from '../cli/support.ts';
import { usePostgres } from '../../support/postgres.ts';

const pg = usePostgres();
const CONFIG = join(REPO_ROOT, 'examples/postgres/freshindex.config.ts');

let runtime: DevRuntime | undefined;
let directory: string | undefined;
const previousUrl = process.env['SHOP_DATABASE_URL'];
afterEach(async () => {
  await runtime?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
  if (previousUrl === undefined) delete process.env['SHOP_DATABASE_URL'];
  else process.env['SHOP_DATABASE_URL'] = previousUrl;
});

describe('the local runtime over a captured Postgres table', () => {
  it('builds the whole type at start even when the relay has changes waiting from before', async () => {
    await pg.pool.query('DROP SCHEMA IF EXISTS freshindex CASCADE; DROP SCHEMA IF EXISTS shop CASCADE');
    await pg.pool.query(await readFile(new URL('../../../examples/postgres/seed.sql', import.meta.url), 'utf8'));
    await applyCaptureSql(pg.pool, initSql(validateConfig(config).capture!.postgres!.tables));
    await pg.pool.query("UPDATE shop.products SET name = 'Headphones v2' WHERE sku = 'hp-03'");
    process.env['SHOP_DATABASE_URL'] = pg.server.url;
    directory = await mkdtemp(join(tmpdir(), 'freshindex-capture-dev-'));
    const stateFile = join(directory, 'dev.json');

    runtime = await startDevRuntime({ configPath: CONFIG, synthesize: synthesizeStacks, portBase: 0, stateFile, logLevel: 'SILENT', cwd: REPO_ROOT, log: () => {} });
    const builds = await Promise.all(runtime.initialJobs.map((id) => runtime!.jobs.wait(id)));

    expect(builds.map((job) => job?.status)).toEqual(['succeeded']);
    // kb-01 was not edited: only the initial build can have indexed it.
    const keyboard = await cli(['get', 'product', 'kb-01'], stateFile);
    expect(keyboard.code).toBe(0);
    expect(keyboard.stdout).toContain('kb-01');
  }, 120_000);
});
