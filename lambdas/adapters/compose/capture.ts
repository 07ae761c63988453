/**
 * The parts of Postgres change capture (docs/cdc.md): the database pool, applying the setup SQL,
 * and the relay's ports (the change table and the change topic).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type pg from 'pg';
import { z } from 'zod';
import type { RelayDeps } from '../../core/capture/relay.ts';
import type { PostgresCaptureConfig } from '../../core/config/capture.ts';
import type { PostgresConnectionConfig } from '../../core/config/postgres.ts';
import { ConfigError } from '../../core/errors.ts';
import { openPostgresPool, translatePgError } from '../postgres/connection.ts';
import { PostgresChangeLog } from '../postgres/change-log.ts';
import { SnsChangeSink } from '../sns/change-sink.ts';

/** Where the database is: the config's connection, or a URL given on the command line. */
export interface CaptureDatabase {
  connection: PostgresConnectionConfig;
  /** Replaces the connection (a `postgres://` URL, e.g. `--url`). */
  url?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  /** Reads a `secretId` connection. @default a client of the default region, made when needed */
  secrets?: SecretsManagerClient;
}

const URL_VARIABLE = 'FRESHINDEX_CAPTURE_URL';

/** Opens a pool on the captured database (see `openPostgresPool`). The caller ends it. */
export async function openCapturePool(database: CaptureDatabase): Promise<pg.Pool> {
  if (database.url !== undefined) return openPostgresPool({ env: URL_VARIABLE, maxConnections: 2 }, { env: { [URL_VARIABLE]: database.url } });
  const secrets = database.connection.secretId === undefined ? undefined : (database.secrets ?? new SecretsManagerClient({}));
  return openPostgresPool(database.connection, { env: database.env ?? process.env, secrets });
}

/** Runs the setup SQL in one transaction: all of it or none. */
export async function applyCaptureSql(pool: pg.Pool, sql: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The relay's ports on a pool and a topic. */
export function captureRelayDeps(options: { pool: pg.Pool; sns: SNSClient; topicArn: string; relay?: string }): Pick<RelayDeps, 'log' | 'sink'> {
  return {
    log: new PostgresChangeLog({ pool: options.pool, translate: (error) => translatePgError(error), ...(options.relay ? { relay: options.relay } : {}) }),
    sink: new SnsChangeSink({ sns: options.sns, topicArn: options.topicArn }),
  };
}

/** The relay function's environment (set by lib/capture.ts). */
export const captureRelayEnv = z.object({
  FRESHINDEX_CHANGE_TOPIC_ARN: z.string().min(1),
  AWS_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL_SNS: z.url().optional(),
  AWS_ENDPOINT_URL_SECRETS_MANAGER: z.url().optional(),
});

/** A relay's ports and what to close when it is done. */
export interface CaptureRelayParts {
  deps: Pick<RelayDeps, 'log' | 'sink'>;
  close(): Promise<void>;
}

/**
 * The relay's parts from an entry point's environment: the pool on `capture.connection` (its
 * secret read with Secrets Manager), the change topic. Throws a `ConfigError` naming every
 * missing or malformed variable.
 */
export async function captureRelayFromEnv(capture: PostgresCaptureConfig, env: Readonly<Record<string, string | undefined>>, overrides: { sns?: SNSClient; secrets?: SecretsManagerClient } = {}): Promise<CaptureRelayParts> {
  const parsed = captureRelayEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `environment variable ${issue.path.join('.')}: ${issue.message}`));
  const region = parsed.data.AWS_REGION ? { region: parsed.data.AWS_REGION } : {};
  const sns = overrides.sns ?? new SNSClient({ ...region, ...(parsed.data.AWS_ENDPOINT_URL_SNS ? { endpoint: parsed.data.AWS_ENDPOINT_URL_SNS } : {}) });
  const secrets =
    overrides.secrets ??
    (capture.connection.secretId === undefined ? undefined : new SecretsManagerClient({ ...region, ...(parsed.data.AWS_ENDPOINT_URL_SECRETS_MANAGER ? { endpoint: parsed.data.AWS_ENDPOINT_URL_SECRETS_MANAGER } : {}) }));
  const pool = await openCapturePool({ connection: capture.connection, env, ...(secrets ? { secrets } : {}) });
  return {
    deps: captureRelayDeps({ pool, sns, topicArn: parsed.data.FRESHINDEX_CHANGE_TOPIC_ARN }),
    async close() {
      await pool.end();
      if (!overrides.sns) sns.destroy();
      if (!overrides.secrets) secrets?.destroy();
    },
  };
}
