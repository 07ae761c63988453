/** The RDS secret format and the translation of PostgreSQL's errors into the domain's. */
import { describe, expect, it } from 'vitest';
import { parseRdsSecret, translatePgError } from '../../../lambdas/adapters/postgres/connection.ts';
import { postgresConnectionSchema } from '../../../lambdas/core/config/postgres.ts';
import { SourceError } from '../../../lambdas/core/errors.ts';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('the RDS secret format', () => {
  it('reads host, port, username, password and dbname, ignoring the keys RDS adds', () => {
    // Prepare: a secret as RDS writes it, its port as a string.
    const value = JSON.stringify({ engine: 'postgres', host: 'db.example', port: '6432', username: 'app', password: 'p', dbname: 'catalog', dbInstanceIdentifier: 'x' });

    // Act + Assess
    expect(parseRdsSecret('s', value)).toEqual({ host: 'db.example', port: 6432, username: 'app', password: 'p', dbname: 'catalog' });
  });

  it('defaults the port to 5432 and the database to postgres', () => {
    expect(parseRdsSecret('s', JSON.stringify({ host: 'h', username: 'u', password: 'p' }))).toMatchObject({ port: 5432, dbname: 'postgres' });
  });

  it('rejects a secret that is not JSON, naming the secret but not its value', () => {
    // Act
    const act = () => parseRdsSecret('prod/db', 'hunter2');

    // Assess
    expect(act).toThrow(SourceError);
    expect(act).toThrow(/prod\/db .*not JSON/);
    expect(act).not.toThrow(/hunter2/);
  });
});

describe('the connection config', () => {
  it('accepts exactly one of secretId or env', () => {
    expect(postgresConnectionSchema.safeParse({ secretId: 's' }).success).toBe(true);
    expect(postgresConnectionSchema.safeParse({ env: 'DB_URL', ssl: 'verify-full', maxConnections: 8 }).success).toBe(true);
    expect(postgresConnectionSchema.safeParse({}).error?.issues[0]?.message).toBe('set exactly one of secretId or env');
    expect(postgresConnectionSchema.safeParse({ secretId: 's', env: 'E' }).success).toBe(false);
    expect(postgresConnectionSchema.safeParse({ env: 'E', ssl: 'prefer' }).success).toBe(false);
  });
});

describe('translatePgError', () => {
  it.each([
    ['08006', 'a connection failure'],
    ['53300', 'too many connections'],
    ['40001', 'a serialization failure'],
    ['40P01', 'a deadlock'],
    ['57P01', 'an administrator shutdown'],
    ['ECONNRESET', 'a reset socket'],
  ])('makes %s (%s) retryable', (code) => {
    expect(translatePgError(pgError(code))).toMatchObject({ retryable: true, widespread: false, context: { code } });
  });

  it.each([
    ['28P01', 'a refused password'],
    ['28000', 'a refused role'],
    ['3D000', 'a missing database'],
    ['42501', 'a missing grant'],
    ['42P01', 'a missing table'],
  ])('makes %s (%s) widespread', (code) => {
    expect(translatePgError(pgError(code))).toMatchObject({ widespread: true, context: { code } });
  });

  it('makes a constraint or cast error permanent', () => {
    expect(translatePgError(pgError('22P02', 'invalid input syntax for type integer'))).toMatchObject({ retryable: false, widespread: false });
  });

  it('makes a connection the server closed retryable (no SQLSTATE)', () => {
    expect(translatePgError(new Error('Connection terminated unexpectedly'))).toMatchObject({ retryable: true });
  });

  it('passes domain errors and a caller’s abort through unchanged', () => {
    const domain = new SourceError('x', { retryable: false });
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(translatePgError(domain)).toBe(domain);
    expect(translatePgError(abort)).toBe(abort);
  });
});
