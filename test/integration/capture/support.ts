/**
 * Helpers of the change-capture suites: a captured `movies` table on the test PostgreSQL, and the
 * relay's real ports on it (the Postgres change log, the SNS sink) with what was published recorded.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type pg from 'pg';
import { initSql } from '../../../lambdas/core/capture/init.ts';
import type { ChangeLog, ChangeSink } from '../../../lambdas/core/capture/ports.ts';
import type { RelayDeps, RelaySettings } from '../../../lambdas/core/capture/relay.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { applyCaptureSql, captureRelayDeps } from '../../../lambdas/adapters/compose/capture.ts';

/** The relay settings of the suites: `public.movies` → `movie` events. */
export const MOVIES: RelaySettings = { tables: [{ table: 'movies', event: 'movie' }], batchSize: 100, retentionHours: 24 };

/** Drops what an earlier test captured and sets up capture on a fresh `movies (id, title)`. */
export async function captureMovies(pool: pg.Pool): Promise<void> {
  await pool.query('DROP SCHEMA IF EXISTS freshindex CASCADE; CREATE TABLE movies (id text PRIMARY KEY, title text)');
  await applyCaptureSql(pool, initSql([{ table: 'movies', idColumn: 'id' }]));
}

/** The relay's ports, and every event the topic accepted, in publish order. */
export interface RecordingRelay extends RelayDeps {
  log: ChangeLog;
  sink: ChangeSink;
  published: ChangeEvent[];
}

/** The real relay ports, the sink recording what SNS accepted; `log` may be wrapped (a crash). */
export function recordingRelay(options: { pool: pg.Pool; sns: SNSClient; topicArn: string; wrapLog?: (log: ChangeLog) => ChangeLog }): RecordingRelay {
  const ports = captureRelayDeps(options);
  const published: ChangeEvent[] = [];
  const sink: ChangeSink = {
    async publish(events) {
      const refused = await ports.sink.publish(events);
      const refusedSet = new Set(refused.map((entry) => entry.event));
      published.push(...events.filter((event) => !refusedSet.has(event)));
      return refused;
    },
  };
  return { log: options.wrapLog ? options.wrapLog(ports.log) : ports.log, sink, published, backoff: { baseMs: 1, capMs: 5 } };
}

/** A short description of events: `op id@version`. */
export function summary(events: readonly ChangeEvent[]): string[] {
  return events.map((event) => `${event.op} ${event.id}@${String(event.version)}`);
}
