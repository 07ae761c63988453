/**
 * The parts of Postgres change capture (docs/cdc.md): the database pool, applying the setup SQL,
 * and the relay's ports (the change table and the change topic).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import pg from 'pg';
import type { RelayDeps } from '../../core/capture/relay.ts';
import type { PostgresCaptureConfig } from '../../core/config/capture.ts';
import { PostgresChangeLog } from '../postgres/change-log.ts';
import { SnsChangeSink } from '../sns/change-sink.ts';

/** Where the database is: the config's connection, or a URL given on the command line. */
export interface CaptureDatabase {
  connection: PostgresCaptureConfig['connection'];
  /** Replaces the connection (a `postgres://` URL, e.g. `--url`). */
  url?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Opens a pool on the captured database. The caller ends it. */
export async function openCapturePool(database: CaptureDatabase): Promise<pg.Pool> {
  const env = database.env ?? process.env;
  const url = database.url ?? (database.connection.env ? env[database.connection.env] : undefined);
  if (!url) {
    throw new Error(
      database.connection.env ? `the environment variable ${database.connection.env} (capture.postgres.connection.env) is not set` : 'capture.postgres.connection.secretId is not supported yet: give --url',
    );
  }
  const pool = new pg.Pool({ connectionString: url, max: database.connection.maxConnections ?? 2 });
  pool.on('error', () => undefined);
  return pool;
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
    log: new PostgresChangeLog({ pool: options.pool, ...(options.relay ? { relay: options.relay } : {}) }),
    sink: new SnsChangeSink({ sns: options.sns, topicArn: options.topicArn }),
  };
}
