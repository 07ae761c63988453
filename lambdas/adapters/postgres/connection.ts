/**
 * The PostgreSQL connection of a Postgres source or of the change-capture relay: a `pg.Pool`
 * built from a `postgresConnectionSchema` config, its credentials read from a Secrets Manager
 * secret (RDS format) or an environment variable, and the translation of PostgreSQL's errors
 * into the domain's.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { z } from 'zod';
import { describeError, SourceError } from '../../core/errors.ts';
import type { PostgresConnectionConfig } from '../../core/config/postgres.ts';
import { DEFAULT_SECRET_TTL_MS, forgetSecret, readSecretString } from '../sources/secrets.ts';

/** What a pool needs from outside. */
export interface PostgresConnectionDeps {
  /** Reads `secretId`. Required when the config names a secret. */
  secrets?: SecretsManagerClient | undefined;
  /** The environment `env` is looked up in (the entry point passes `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * How long the secret's value is reused before a new connection reads it again. A password the
   * server refuses is forgotten at once, so a rotation is picked up by the next connection.
   * @default 300000 (5 minutes)
   */
  secretTtlMs?: number | undefined;
  /** Overrides of {@link POSTGRES_POOL_OPTIONS} (tests shorten the timeouts). */
  poolOptions?: pg.PoolConfig | undefined;
}

/**
 * Pool settings for Lambda and Batch: a connection attempt gives up after 5 s (a stopped server
 * surfaces as a retryable error while the message can still be redelivered), idle connections
 * close after 30 s (and never hold a finished process open), a statement is cancelled after 60 s.
 */
export const POSTGRES_POOL_OPTIONS: pg.PoolConfig = {
  connectionTimeoutMillis: 5_000,
  idleTimeoutMillis: 30_000,
  statement_timeout: 60_000,
  application_name: 'freshindex',
  keepAlive: true,
  // A process that ends without closing the pool (a CLI command, a job) is not held open by idle connections.
  allowExitOnIdle: true,
};

/** The default of `maxConnections`. */
export const DEFAULT_MAX_CONNECTIONS = 4;

/** The RDS secret format (extra keys such as `engine` or `dbInstanceIdentifier` are ignored). */
const rdsSecretSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65_535).default(5432),
  username: z.string().min(1),
  password: z.string(),
  dbname: z.string().min(1).default('postgres'),
});

type Ssl = NonNullable<PostgresConnectionConfig['ssl']>;

/**
 * A pool on the configured database. With `secretId` the secret is read once here (host, port,
 * user, database) and its password again by every new connection, through the secret cache: a
 * rotated password is used by the next connection, at once when the server refused the old one.
 * Errors of idle connections are swallowed (the next query reports them); queries reject with
 * pg's errors: pass them to {@link translatePgError}. The caller ends the pool.
 *
 * @example
 * const pool = await openPostgresPool({ secretId: 'prod/catalog-db' }, { secrets: new SecretsManagerClient({}) });
 */
export async function openPostgresPool(connection: PostgresConnectionConfig, deps: PostgresConnectionDeps = {}): Promise<pg.Pool> {
  const target = connection.secretId === undefined ? fromEnv(connection, deps) : await fromSecret(connection, deps);
  const pool = new pg.Pool({ ...POSTGRES_POOL_OPTIONS, max: connection.maxConnections ?? DEFAULT_MAX_CONNECTIONS, ...target, ...deps.poolOptions });
  pool.on('error', () => undefined);
  return pool;
}

/** A `postgres://` URL from the environment, taken apart so `ssl` decides TLS (not the URL's `sslmode` alone). */
function fromEnv(connection: PostgresConnectionConfig, deps: PostgresConnectionDeps): pg.PoolConfig {
  const variable = connection.env as string;
  const value = deps.env?.[variable];
  const problem = (what: string) =>
    new SourceError(`environment variable ${variable} (a Postgres connection) ${what}`, { retryable: false, widespread: true, context: { variable } });
  if (value === undefined || value === '') throw problem('is not set');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem('is not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw problem('is not a postgres:// URL');
  const sslmode = url.searchParams.get('sslmode');
  const urlSsl: Ssl = sslmode === 'require' ? 'require' : sslmode === 'verify-full' || sslmode === 'verify-ca' ? 'verify-full' : 'disable';
  return {
    host: decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')) || 'localhost',
    port: url.port === '' ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
    ssl: sslOptions(connection.ssl ?? urlSsl),
  };
}

/** The secret's address of the database, and a password read through the secret cache at each connection. */
async function fromSecret(connection: PostgresConnectionConfig, deps: PostgresConnectionDeps): Promise<pg.PoolConfig> {
  const secretId = connection.secretId as string;
  const secrets = deps.secrets;
  if (!secrets) throw new SourceError(`secretId ${secretId} needs a Secrets Manager client`, { retryable: false, widespread: true, context: { secretId } });
  const ttl = deps.secretTtlMs ?? DEFAULT_SECRET_TTL_MS;
  const read = async () => parseRdsSecret(secretId, await readSecretString(secrets, secretId, ttl));
  const first = await read();
  return {
    host: first.host,
    port: first.port,
    user: first.username,
    database: first.dbname,
    password: async () => (await read()).password,
    ssl: sslOptions(connection.ssl ?? 'require'),
    Client: clientForgettingRefusedSecret(() => forgetSecret(secrets, secretId)),
  };
}

/**
 * A secret's string in the RDS format. A secret that is not cannot connect anywhere: a
 * `widespread` error naming the secret and what is wrong, never its value.
 */
export function parseRdsSecret(secretId: string, value: string): z.output<typeof rdsSecretSchema> {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    json = undefined;
  }
  const parsed = rdsSecretSchema.safeParse(json);
  if (!parsed.success) {
    const problems = json === undefined ? 'not JSON' : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`).join('; ');
    throw new SourceError(`secret ${secretId} is not a Postgres secret in the RDS format {host, port, username, password, dbname}: ${problems}`, {
      retryable: false,
      widespread: true,
      context: { secretId },
    });
  }
  return parsed.data;
}

function sslOptions(ssl: Ssl): pg.PoolConfig['ssl'] {
  if (ssl === 'disable') return false;
  // verify-full: Node's CAs plus NODE_EXTRA_CA_CERTS (on Lambda, /var/runtime/ca-cert.pem holds the RDS CAs).
  return ssl === 'verify-full' ? { rejectUnauthorized: true } : { rejectUnauthorized: false };
}

/** A `pg.Client` that forgets the cached secret when the server refuses its password (a rotation). */
function clientForgettingRefusedSecret(forget: () => void): typeof pg.Client {
  return class extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: (error: Error | null, client?: pg.Client) => void): void;
    override connect(callback?: (error: Error | null, client?: pg.Client) => void): Promise<pg.Client> | void {
      const check = (error: unknown) => {
        if (pgCode(error) === INVALID_PASSWORD) forget();
      };
      if (!callback) return super.connect().catch((error: unknown) => (check(error), Promise.reject(error as Error)));
      super.connect((error: Error | null) => {
        if (error) check(error);
        callback(error, this);
      });
    }
  };
}

const INVALID_PASSWORD = '28P01';

/** SQLSTATEs a later try may not meet: serialization failures, deadlocks, resource limits, shutdowns, cancels. */
const RETRYABLE_CODES = new Set(['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03', '58000', '58030']);
/** SQLSTATEs every query of the connection meets alike: credentials, grants, a missing database, table or column. */
const WIDESPREAD_CODES = new Set(['28000', '28P01', '3D000', '42501', '42P01', '42703', '3F000']);
/** Node's socket errors of a server out of reach. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A PostgreSQL (or node-postgres) error as a `SourceError`:
 * - retryable: connection failures (SQLSTATE class 08, refused or reset sockets, a connection
 *   timeout, a connection closed by the server), too many connections and other resource limits
 *   (class 53), serialization failures and deadlocks (40001, 40P01), shutdowns (57P0x), cancels;
 * - `widespread` (not one row's fault, not retried inside a call): a refused password or role
 *   (class 28), a missing database, schema, table or column, a missing grant (42501);
 * - anything else (a bad cast, a constraint): permanent.
 * Domain errors and a caller's abort pass through unchanged.
 */
export function translatePgError(error: unknown, context: Record<string, unknown> = {}): Error {
  if (error instanceof SourceError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const code = pgCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const connectionLost = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection timeout/i.test(message);
  const widespread = code !== undefined && WIDESPREAD_CODES.has(code);
  const retryable =
    code !== undefined && (code.startsWith('08') || code.startsWith('53') || RETRYABLE_CODES.has(code) || NETWORK_CODES.has(code))
      ? true
      : code === undefined && connectionLost;
  return new SourceError(`PostgreSQL: ${describeError(error)}${code === undefined ? '' : ` (${code})`}`, {
    cause: error,
    retryable,
    widespread,
    context: { ...context, ...(code === undefined ? {} : { code }) },
  });
}

/** What {@link PostgresPools} opens its pools with: a Secrets Manager client made only when a connection names a secret. */
export interface PostgresPoolsDeps extends Omit<PostgresConnectionDeps, 'secrets'> {
  secrets?: SecretsManagerClient | (() => SecretsManagerClient) | undefined;
}

/**
 * The pools of one process, one per distinct connection config, so every type reading the same
 * database shares its connections. A pool that failed to open (an unreadable secret) is not
 * kept: the next call tries again. `close()` ends them all (the runtime's shutdown).
 */
export class PostgresPools {
  private readonly pools = new Map<string, Promise<pg.Pool>>();
  private closed = false;

  constructor(private readonly deps: PostgresPoolsDeps = {}) {}

  /** The shared pool of `connection`, opened on first use. */
  pool(connection: PostgresConnectionConfig): Promise<pg.Pool> {
    if (this.closed) return Promise.reject(new SourceError('the Postgres pools are closed', { retryable: true }));
    const key = JSON.stringify([connection.secretId, connection.env, connection.ssl, connection.maxConnections]);
    let pool = this.pools.get(key);
    if (!pool) {
      const { secrets, ...rest } = this.deps;
      const client = typeof secrets === 'function' ? (connection.secretId === undefined ? undefined : secrets()) : secrets;
      pool = openPostgresPool(connection, { ...rest, secrets: client });
      this.pools.set(key, pool);
      pool.catch(() => this.pools.get(key) === pool && this.pools.delete(key));
    }
    return pool;
  }

  /** Ends every pool opened so far; later calls of `pool` reject. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.then((opened) => opened.end(), () => undefined)));
  }
}
