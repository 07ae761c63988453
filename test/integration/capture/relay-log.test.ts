/**
 * The relay against a real PostgreSQL and the SNS emulator: transactions still open when it reads,
 * refused entries, changes it can never publish, and pruning.
 */
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prune, relayRound, RelayPublishError } from '../../../lambdas/core/capture/relay.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { usePostgres } from '../../support/postgres.ts';
import { MOVIES, captureMovies, recordingRelay, summary } from './support.ts';

const pg = usePostgres();
let aws: AwsTestEnv;
let topicArn: string;

beforeAll(async () => {
  aws = await startAws();
  topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: 'changes' }))).TopicArn as string;
});
afterAll(async () => {
  await aws.stop();
});
beforeEach(async () => {
  await captureMovies(pg.pool);
});

/** A connection of its own (one open transaction each); the caller releases it. */
function session() {
  return pg.pool.connect();
}

describe('the relay and open transactions', () => {
  it('waits for a transaction that took a lower seq and commits after one with a higher seq', async () => {
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn });
    const [early, late] = [await session(), await session()];
    await early.query("BEGIN; INSERT INTO movies VALUES ('early', 'Early')");
    await late.query("BEGIN; INSERT INTO movies VALUES ('late', 'Late'); COMMIT");

    await relayRound(relay, MOVIES);
    const whileOpen = summary(relay.published);
    await early.query('COMMIT');
    await relayRound(relay, MOVIES);

    expect(whileOpen).toEqual([]);
    expect(summary(relay.published)).toEqual(['upsert early@1', 'upsert late@2']);
    early.release();
    late.release();
  });

  it('still publishes a lower seq whose transaction began writing after a committed one with a higher seq', async () => {
    // The older transaction holds the lower xid but takes its seq last: a checkpoint on seq alone skips 'slow'.
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn });
    const [older, slow] = [await session(), await session()];
    await older.query('BEGIN; CREATE TEMP TABLE scratch (x int); INSERT INTO scratch VALUES (1)');
    await older.query('SELECT pg_current_xact_id()');
    await slow.query("BEGIN; INSERT INTO movies VALUES ('slow', 'Slow')");
    await older.query("INSERT INTO movies VALUES ('quick', 'Quick'); COMMIT");

    await relayRound(relay, MOVIES);
    const beforeSlowCommits = summary(relay.published);
    await slow.query('COMMIT');
    await relayRound(relay, MOVIES);

    expect(beforeSlowCommits).toEqual(['upsert quick@2']);
    expect(summary(relay.published)).toEqual(['upsert quick@2', 'upsert slow@1']);
    older.release();
    slow.release();
  });

  it('keeps transaction order, and publishes each change once, when the transaction ids gain a digit', async () => {
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn });
    const { rows } = await pg.pool.query('SELECT pg_current_xact_id()::text::bigint AS xid');
    const nextPowerOfTen = 10 ** String(rows[0].xid).length;
    await pg.pool.query(`DO $$ BEGIN FOR i IN 1..${nextPowerOfTen - Number(rows[0].xid) - 5} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`);
    for (let n = 1; n <= 10; n += 1) await pg.pool.query(`INSERT INTO movies VALUES ('m${n}', 'Movie ${n}')`);

    for (let round = 0; round < 5; round += 1) await relayRound(relay, { ...MOVIES, batchSize: 3 });

    expect(summary(relay.published)).toEqual(Array.from({ length: 10 }, (_, index) => `upsert m${index + 1}@${index + 1}`));
  });

  it('publishes nothing of a transaction that rolled back', async () => {
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn });
    await pg.pool.query("BEGIN; INSERT INTO movies VALUES ('gone', 'Gone'); ROLLBACK");
    await pg.pool.query("INSERT INTO movies VALUES ('kept', 'Kept')");

    await relayRound(relay, MOVIES);

    expect(summary(relay.published)).toEqual(['upsert kept@2']);
  });
});

describe('the relay and the topic', () => {
  it('carries the row and its seq in the doc, the commit time as occurredAt', async () => {
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn });
    await pg.pool.query("INSERT INTO movies VALUES ('alien', 'Alien')");
    const { rows } = await pg.pool.query('SELECT committed_at FROM freshindex.freshindex_changes');

    await relayRound(relay, MOVIES);

    expect(relay.published).toEqual([
      { type: 'movie', id: 'alien', op: 'upsert', version: 1, doc: { id: 'alien', title: 'Alien', freshindex_seq: 1 }, occurredAt: (rows[0].committed_at as Date).toISOString() },
    ]);
  });

  it('publishes large rows in as many PublishBatch calls as 256 KiB each allows, and a row too large for SNS without its doc', async () => {
    const sns = new SNSClient(aws.clientConfig('sns'));
    const calls: number[] = [];
    sns.middlewareStack.add(
      (next) => async (args) => {
        const entries = (args.input as { PublishBatchRequestEntries?: Array<{ Message: string }> }).PublishBatchRequestEntries;
        if (entries) calls.push(entries.reduce((bytes, entry) => bytes + Buffer.byteLength(entry.Message), 0));
        return next(args);
      },
      { step: 'initialize' },
    );
    const relay = recordingRelay({ pool: pg.pool, sns, topicArn });
    await pg.pool.query("INSERT INTO movies SELECT 'big-' || n, repeat('x', 60000) FROM generate_series(1, 6) AS n");
    await pg.pool.query("INSERT INTO movies VALUES ('huge', repeat('y', 300000))");

    await relayRound(relay, MOVIES);

    expect(summary(relay.published)).toEqual([...Array.from({ length: 6 }, (_, index) => `upsert big-${index + 1}@${index + 1}`), 'upsert huge@7']);
    expect(calls.length).toBeGreaterThan(1);
    expect(Math.max(...calls)).toBeLessThanOrEqual(256 * 1024);
    expect(relay.published.at(-1)).not.toHaveProperty('doc');
    sns.destroy();
  });

  it('keeps the checkpoint before an entry SNS keeps refusing, and publishes from there once it accepts', async () => {
    let refuse = 'heat';
    const sns = new SNSClient(aws.clientConfig('sns'));
    sns.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { PublishBatchRequestEntries?: Array<{ Id: string; Message: string }> };
        const refused = (input.PublishBatchRequestEntries ?? []).filter((entry) => JSON.parse(entry.Message).id === refuse);
        if (refused.length === 0) return next(args);
        input.PublishBatchRequestEntries = input.PublishBatchRequestEntries?.filter((entry) => !refused.includes(entry));
        const result = (await next(args)) as { output: { Failed?: unknown[] } };
        result.output.Failed = refused.map((entry) => ({ Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'try again' }));
        return result as never;
      },
      { step: 'initialize' },
    );
    const relay = recordingRelay({ pool: pg.pool, sns, topicArn });
    await pg.pool.query("INSERT INTO movies VALUES ('alien', 'Alien'), ('heat', 'Heat'), ('up', 'Up')");

    const failed = await relayRound(relay, MOVIES).catch((error: unknown) => error);
    const checkpointAfterRefusal = await relay.log.checkpoint();
    refuse = 'none';
    await relayRound(relay, MOVIES);

    expect(failed).toBeInstanceOf(RelayPublishError);
    expect((failed as Error).message).toMatch(/refused 1 event\(s\), first movie\/heat: InternalError: try again/);
    expect(checkpointAfterRefusal?.seq).toBe(1);
    expect(summary(relay.published)).toEqual(['upsert alien@1', 'upsert up@3', 'upsert heat@2', 'upsert up@3']);
    expect((await relay.log.checkpoint())?.seq).toBe(3);
    sns.destroy();
  });

  it('keeps a change that can never be an event, with its reason, and goes on with its neighbours', async () => {
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn });
    await pg.pool.query(`INSERT INTO movies VALUES ('alien', 'Alien'), ('${'x'.repeat(600)}', 'Too long an id'), ('up', 'Up')`);

    const result = await relayRound(relay, MOVIES);

    expect(result).toMatchObject({ read: 3, published: 2, rejected: 1, checkpoint: { seq: 3 } });
    expect(summary(relay.published)).toEqual(['upsert alien@1', 'upsert up@3']);
    const { rows } = await pg.pool.query('SELECT seq::int AS seq, reason FROM freshindex.relay_rejected');
    expect(rows).toEqual([{ seq: 2, reason: expect.stringMatching(/^InvalidChangeError: invalid change event: id: .*512/) }]);
  });
});

describe('pruning', () => {
  it('deletes published changes older than the retention, and keeps recent or unpublished ones', async () => {
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn });
    await pg.pool.query("INSERT INTO movies VALUES ('old', 'Old'), ('recent', 'Recent')");
    await relayRound(relay, MOVIES);
    await pg.pool.query("INSERT INTO movies VALUES ('unpublished', 'Unpublished')");
    await pg.pool.query("UPDATE freshindex.freshindex_changes SET committed_at = now() - interval '25 hours' WHERE record_id IN ('old', 'unpublished')");

    const pruned = await prune(relay, MOVIES);

    expect(pruned).toBe(1);
    const { rows } = await pg.pool.query('SELECT record_id FROM freshindex.freshindex_changes ORDER BY seq');
    expect(rows).toEqual([{ record_id: 'recent' }, { record_id: 'unpublished' }]);
  });
});
