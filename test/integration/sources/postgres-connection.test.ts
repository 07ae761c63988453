/**
 * The Postgres connection against a real PostgreSQL server with password authentication and a
 * real Secrets Manager API (moto_server): the RDS secret format, a rotated password, and how a
 * refused password and a stopped server reach the domain.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresPool, translatePgError } from '../../../lambdas/adapters/postgres/connection.ts';
import { PostgresSource } from '../../../lambdas/adapters/sources/postgres-source.ts';
import { postgresSourceSchema } from '../../../lambdas/core/config/postgres.ts';
import { SourceError } from '../../../lambdas/core/errors.ts';
import { freePort } from '../../../lambdas/local/dev/ports.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../../../lambdas/local/emulators.ts';
import { motoEndpoint, useMotoServer } from '../../support/moto.ts';
import { usePostgres } from '../../support/postgres.ts';

/** The superuser keeps trust on loopback (the fixture's admin pool); every other role needs its password. */
function passwordHba(): string {
  const dir = mkdtempSync(join(tmpdir(), 'freshindex-hba-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'pg_hba.conf');
  writeFileSync(file, 'host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n', { mode: 0o644 });
  return file;
}

const FAST = { poolOptions: { connectionTimeoutMillis: 2_000 } };

describe('a Postgres connection', () => {
  const postgres = usePostgres({ hba_file: passwordHba(), password_encryption: 'scram-sha-256' });
  let moto: { endpoint: string; stop(): Promise<void> };
  let secrets: SecretsManagerClient;
  const pools: pg.Pool[] = [];
  let run = 0;
  let secretId = '';

  beforeAll(async () => {
    moto = await useMotoServer(motoEndpoint());
    secrets = new SecretsManagerClient({ endpoint: moto.endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
  }, 60_000);
  afterAll(async () => {
    secrets?.destroy();
    await moto?.stop();
  });
  beforeEach(async () => {
    await postgres.pool.query(`DROP ROLE IF EXISTS catalog_reader; CREATE ROLE catalog_reader LOGIN PASSWORD 'first-password'`);
    secretId = `catalog-db-${++run}-${Date.now()}`;
    await secrets.send(new CreateSecretCommand({ Name: secretId, SecretString: rdsSecret('first-password') }));
    return async () => {
      await Promise.all(pools.splice(0).map((pool) => pool.end()));
    };
  });

  const rdsSecret = (password: string) =>
    JSON.stringify({ engine: 'postgres', host: '127.0.0.1', port: postgres.server.port, username: 'catalog_reader', password, dbname: 'postgres' });
  const open = async (...args: Parameters<typeof openPostgresPool>) => {
    const pool = await openPostgresPool(...args);
    pools.push(pool);
    return pool;
  };

  it('connects with the host, port, user, password and database of a secret in the RDS format', async () => {
    // Prepare: a pool from the secret's name alone.
    const pool = await open({ secretId, ssl: 'disable' }, { secrets, ...FAST });

    // Act: a query as the secret's user.
    const { rows } = await pool.query<{ user: string; db: string }>('SELECT current_user AS user, current_database() AS db');

    // Assess: the secret's role on the secret's database.
    expect(rows).toEqual([{ user: 'catalog_reader', db: 'postgres' }]);
  });

  it('connects with a postgres:// URL from the environment', async () => {
    // Prepare: the URL in a variable the config names.
    const env = { CATALOG_DB_URL: `postgres://catalog_reader:first-password@127.0.0.1:${postgres.server.port}/postgres` };
    const pool = await open({ env: 'CATALOG_DB_URL' }, { env, ...FAST });

    // Act + Assess
    expect((await pool.query('SELECT current_user AS user')).rows).toEqual([{ user: 'catalog_reader' }]);
  });

  it('uses a rotated password from the next connection on, after the server refused the cached one once', async () => {
    // Prepare: one connection open with the first password, held.
    const pool = await open({ secretId, ssl: 'disable', maxConnections: 3 }, { secrets, ...FAST });
    const held = await pool.connect();

    // Act: the password rotates on the server and in the secret; new connections are opened.
    await postgres.pool.query(`ALTER ROLE catalog_reader PASSWORD 'second-password'`);
    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: rdsSecret('second-password') }));
    const refused = await pool.connect().then(
      (client) => (client.release(), undefined),
      (error: unknown) => translatePgError(error),
    );
    const next = await pool.connect();

    // Assess: the connection made before the rotation still works; the cached password was
    // refused once, then forgotten, and the next connection read the new one.
    expect((await held.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(refused).toMatchObject({ widespread: true, context: { code: '28P01' } });
    expect((await next.query('SELECT current_user AS user')).rows).toEqual([{ user: 'catalog_reader' }]);
    held.release();
    next.release();
  });

  it('reports a refused password as widespread (every read fails alike), never retried inside a call', async () => {
    // Prepare: a URL with a wrong password.
    const env = { URL: `postgres://catalog_reader:wrong@127.0.0.1:${postgres.server.port}/postgres` };
    const pool = await open({ env: 'URL' }, { env, ...FAST });

    // Act
    const error = await pool.query('SELECT 1').then(() => undefined, (thrown: unknown) => translatePgError(thrown));

    // Assess: a SourceError the apply path leaves to redelivery and alerts on.
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ widespread: true, context: { code: '28P01' }, message: expect.stringContaining('password authentication failed') });
  });

  it('fails a source read with a refused password at once, without retrying it', async () => {
    // Prepare: a Postgres source whose URL carries a wrong password, its retries counted.
    const retries: unknown[] = [];
    const env = { URL: `postgres://catalog_reader:wrong@127.0.0.1:${postgres.server.port}/postgres` };
    const source = new PostgresSource(postgresSourceSchema.parse({ type: 'postgres', table: 'items', connection: { env: 'URL' } }), {
      env,
      backoff: { baseMs: 1, capMs: 2, onRetry: (event) => retries.push(event) },
    });

    // Act
    const error = await source.get('1').catch((thrown: unknown) => thrown).finally(() => source.close());

    // Assess
    expect(error).toMatchObject({ widespread: true, context: { code: '28P01', table: 'items' } });
    expect(retries).toEqual([]);
  });

  it('reports a server that is not running as retryable, not widespread', async () => {
    // Prepare: a port nobody listens on.
    const env = { URL: `postgres://catalog_reader:first-password@127.0.0.1:${await freePort()}/postgres` };
    const pool = await open({ env: 'URL' }, { env, ...FAST });

    // Act
    const error = await pool.query('SELECT 1').then(() => undefined, (thrown: unknown) => translatePgError(thrown));

    // Assess
    expect(error).toMatchObject({ retryable: true, widespread: false, context: { code: 'ECONNREFUSED' } });
  });

  it('reports ssl: require against a server without TLS as widespread', async () => {
    // Prepare: the test server has no certificate.
    const env = { URL: `postgres://catalog_reader:first-password@127.0.0.1:${postgres.server.port}/postgres` };
    const pool = await open({ env: 'URL', ssl: 'require' }, { env, ...FAST });

    // Act
    const error = await pool.query('SELECT 1').then(() => undefined, (thrown: unknown) => translatePgError(thrown));

    // Assess
    expect(error).toMatchObject({ widespread: true, message: expect.stringContaining('does not support SSL') });
  });

  it('reports a secret that does not exist as widespread, naming it', async () => {
    // Act
    const error = await openPostgresPool({ secretId: `${secretId}-missing` }, { secrets }).then(() => undefined, (thrown: unknown) => thrown);

    // Assess
    expect(error).toMatchObject({ widespread: true, message: expect.stringContaining(`${secretId}-missing`) });
  });

  it('fails a secret that is not in the RDS format with a widespread error naming the secret and the missing fields', async () => {
    // Prepare: a secret holding a bare password.
    const bare = `${secretId}-bare`;
    await secrets.send(new CreateSecretCommand({ Name: bare, SecretString: JSON.stringify({ password: 'x' }) }));

    // Act
    const error = await openPostgresPool({ secretId: bare }, { secrets }).then(() => undefined, (thrown: unknown) => thrown);

    // Assess: what is wrong, never the value.
    expect(error).toMatchObject({ widespread: true, message: expect.stringMatching(new RegExp(`${bare}.*host.*username`)) });
    expect((error as Error).message).not.toContain('"x"');
  });
});
