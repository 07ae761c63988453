/**
 * The capture benchmark (issue 14): does the Postgres relay keep up with sustained row changes?
 * A real PostgreSQL (started here, test/support/postgres.ts) with capture set up on one table; a
 * second connection inserts and updates rows at a steady rate, in transactions of 10; the relay
 * (the real Postgres change log and SNS sink, on fauxqs with one SQS subscriber) runs meanwhile.
 * Printed: the rate written, the relay's throughput, and the publish lag, from the change's
 * `committed_at` (the statement's clock, a moment before its commit) to SNS accepting it.
 *
 * Settings (environment): FRESHINDEX_CAPTURE_RATE row changes/s (default 1500),
 * FRESHINDEX_CAPTURE_SECONDS (default 10), FRESHINDEX_CAPTURE_POLL_MS the relay's idle poll (default 200).
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyCaptureSql, captureRelayDeps } from '../lambdas/adapters/compose/capture.ts';
import { initSql } from '../lambdas/core/capture/init.ts';
import type { ChangeSink } from '../lambdas/core/capture/ports.ts';
import { runRelay, type RelaySettings } from '../lambdas/core/capture/relay.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators } from '../lambdas/local/emulators.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { formatTable, positiveFromEnv, quantile } from './support/table.ts';

const TRANSACTION_ROWS = 10;

/** Writes `rate` row changes/s for `seconds`: inserts of new rows, one in five an update of an older one. */
async function writeSteadily(pool: import('pg').Pool, rate: number, seconds: number): Promise<number> {
  const tickMs = 100;
  const started = Date.now();
  let written = 0;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started + tickMs) / 1000) * rate) - written;
    for (let done = 0; done < due; done += TRANSACTION_ROWS) {
      const size = Math.min(TRANSACTION_ROWS, due - done);
      const first = written + done;
      const inserts = Array.from({ length: size }, (_, index) => first + index).filter((n) => n % 5 !== 4 || n < 100);
      const updates = size - inserts.length;
      const statements = [
        inserts.length ? `INSERT INTO items (id, title, body) SELECT 'i-' || n, 'item ' || n, repeat('x', 200) FROM unnest(ARRAY[${inserts.join(',')}]) AS n` : '',
        updates ? `UPDATE items SET title = title || '!' WHERE id IN (SELECT 'i-' || (random() * ${first - 1})::int FROM generate_series(1, ${updates}) LIMIT ${updates})` : '',
      ].filter(Boolean);
      await pool.query(`BEGIN; ${statements.join('; ')}; COMMIT`);
    }
    written += Math.max(0, due);
    const next = started + Math.ceil((Date.now() - started + 1) / tickMs) * tickMs;
    await sleep(Math.max(0, next - Date.now()));
  }
  return written;
}

/** A sink counting what SNS accepted: the lag of each change, and each seq once. */
function countingSink(inner: ChangeSink) {
  const counted = { lags: [] as number[], seqs: new Set<number>(), published: 0, lastAcceptedAt: 0 };
  const sink: ChangeSink = {
    async publish(events) {
      const refused = await inner.publish(events);
      const now = Date.now();
      const refusedSet = new Set(refused.map((entry) => entry.event));
      for (const event of events.filter((candidate) => !refusedSet.has(candidate))) {
        counted.lags.push(now - Date.parse(event.occurredAt as string));
        counted.seqs.add(Number(event.version));
      }
      counted.published += events.length - refused.length;
      counted.lastAcceptedAt = now;
      return refused;
    },
  };
  return { sink, counted };
}

type Counted = ReturnType<typeof countingSink>['counted'];

/** Waits (a minute at most) until `total` distinct changes were accepted. */
async function until(counted: Counted, total: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (counted.seqs.size < total && Date.now() < deadline) await sleep(50);
  if (counted.seqs.size < total) throw new Error(`the relay fell behind: ${total - counted.seqs.size} changes unpublished a minute after the writes stopped`);
}

/** The change topic, with one SQS subscriber (the apply queue's stand-in). */
async function changeTopic(sns: SNSClient, sqs: SQSClient): Promise<string> {
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'bench-changes' }))).TopicArn as string;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'bench-apply' }))).QueueUrl as string;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  return topicArn;
}

const SETTINGS: RelaySettings = { tables: [{ table: 'items', event: 'item' }], batchSize: 500, retentionHours: 24 };

/** Runs the benchmark once and prints its table. */
export async function benchCapture(): Promise<void> {
  const rate = positiveFromEnv('FRESHINDEX_CAPTURE_RATE', 1500, { integer: true });
  const seconds = positiveFromEnv('FRESHINDEX_CAPTURE_SECONDS', 10);
  const pollMs = positiveFromEnv('FRESHINDEX_CAPTURE_POLL_MS', 200, { integer: true });
  const backlog = positiveFromEnv('FRESHINDEX_CAPTURE_BACKLOG', 10_000, { integer: true });
  const server = await startPostgres();
  const emulators = await startEmbeddedEmulators();
  const clientConfig = (endpoint: string) => ({ endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 });
  const sns = new SNSClient(clientConfig(emulators.endpoints.sns));
  const sqs = new SQSClient(clientConfig(emulators.endpoints.sqs));
  const relayPool = server.pool({ max: 2 });
  const writerPool = server.pool({ max: 1 });
  try {
    await writerPool.query('CREATE TABLE items (id text PRIMARY KEY, title text, body text)');
    await applyCaptureSql(writerPool, initSql([{ table: 'items', idColumn: 'id' }]));
    const topicArn = await changeTopic(sns, sqs);
    const ports = captureRelayDeps({ pool: relayPool, sns, topicArn });
    const changes = async () => Number((await writerPool.query('SELECT count(*) AS n FROM freshindex.freshindex_changes')).rows[0].n);
    const relayOn = (sink: ChangeSink, signal: AbortSignal) =>
      runRelay({ log: ports.log, sink }, SETTINGS, { pollIntervalMs: pollMs, signal, onError: (error) => console.error('relay round failed:', error) });

    // Sustained: the relay runs while the writer writes.
    const steady = countingSink(ports.sink);
    const stopSteady = new AbortController();
    const steadyRelay = relayOn(steady.sink, stopSteady.signal);
    const started = Date.now();
    const written = await writeSteadily(writerPool, rate, seconds);
    const writeSeconds = (Date.now() - started) / 1000;
    const total = await changes();
    await until(steady.counted, total);
    stopSteady.abort();
    await steadyRelay;

    // Backlog: changes waiting when the relay starts (a relay back from an outage), drained as fast as it goes.
    const first = total;
    await writerPool.query(`INSERT INTO items (id, title, body) SELECT 'b-' || n, 'backlog ' || n, repeat('x', 200) FROM generate_series(1, ${backlog}) AS n`);
    const drain = countingSink(ports.sink);
    const stopDrain = new AbortController();
    const drainStarted = Date.now();
    const drainRelay = relayOn(drain.sink, stopDrain.signal);
    await until(drain.counted, (await changes()) - first);
    stopDrain.abort();
    await drainRelay;

    printResults({ rate, written, writeSeconds, total, steady: steady.counted, started, pollMs, backlog, drain: drain.counted, drainStarted });
  } finally {
    await relayPool.end();
    await writerPool.end();
    sns.destroy();
    sqs.destroy();
    await emulators.stop();
    await server.stop();
  }
}

function printResults(run: { rate: number; written: number; writeSeconds: number; total: number; steady: Counted; started: number; pollMs: number; backlog: number; drain: Counted; drainStarted: number }): void {
  const sorted = [...run.steady.lags].sort((a, b) => a - b);
  const ms = (value: number | undefined) => (value === undefined ? '-' : `${value} ms`);
  const perSecond = (count: number, from: number, to: number) => `${Math.round(count / ((to - from) / 1000))}/s`;
  console.log('Sustained writes (transactions of 10 rows, one in five an update), the relay running meanwhile:');
  console.log(
    formatTable(
      ['target', 'written', 'write rate', 'relayed', 'twice', 'relay throughput', 'lag p50', 'lag p99', 'lag max', 'idle poll'],
      [[
        `${run.rate}/s`,
        String(run.written),
        `${Math.round(run.written / run.writeSeconds)}/s`,
        `${run.steady.seqs.size}/${run.total}`,
        String(run.steady.published - run.steady.seqs.size),
        perSecond(run.steady.published, run.started, run.steady.lastAcceptedAt),
        ms(quantile(sorted, 0.5)),
        ms(quantile(sorted, 0.99)),
        ms(sorted.at(-1)),
        `${run.pollMs} ms`,
      ]],
    ),
  );
  console.log('\nA backlog waiting when the relay starts (its capacity, batches of 500):');
  console.log(formatTable(['backlog', 'relayed', 'twice', 'drain throughput'], [[String(run.backlog), String(run.drain.seqs.size), String(run.drain.published - run.drain.seqs.size), perSecond(run.drain.published, run.drainStarted, run.drain.lastAcceptedAt)]]));
}
