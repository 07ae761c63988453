/**
 * The relay end to end: rows written in Postgres reach the index through the real change topic,
 * queue and apply handler (fauxqs + dynalite), with the change's seq as the version.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeLog } from '../../../lambdas/core/capture/ports.ts';
import { relayRound } from '../../../lambdas/core/capture/relay.ts';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startPipeline, type Pipeline } from '../../support/pipeline.ts';
import { usePostgres } from '../../support/postgres.ts';
import { MOVIES, captureMovies, recordingRelay, summary } from './support.ts';

const pg = usePostgres();
const config = defineConfig({
  types: [
    {
      name: 'movie',
      source: { type: 'jsonl', path: '/nonexistent/movies.jsonl' },
      transform: (doc) => ({ title: doc['title'] }),
      version: (doc) => doc['freshindex_seq'] as number,
    },
  ],
});

describe('the relay into the apply path', () => {
  let aws: AwsTestEnv;
  let pipeline: Pipeline;

  beforeAll(async () => {
    aws = await startAws();
  });
  beforeEach(async () => {
    await captureMovies(pg.pool);
    pipeline = await startPipeline(aws, config);
  });
  afterEach(async () => {
    await pipeline.stop();
  });
  afterAll(async () => {
    await aws.stop();
  });

  /** Waits until the apply queue holds no message, visible or in flight. */
  async function drained(): Promise<void> {
    await pipeline.until(async () => {
      const { Attributes = {} } = await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: pipeline.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Attributes['ApproximateNumberOfMessages'] === '0' && Attributes['ApproximateNumberOfMessagesNotVisible'] === '0';
    });
  }

  it('publishes the inserts, updates and deletes of one transaction in order, and the index ends as the table does', async () => {
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn: pipeline.topicArn });
    await pg.pool.query(`BEGIN;
      INSERT INTO movies VALUES ('alien', 'Alien'), ('heat', 'Heat');
      UPDATE movies SET title = 'Aliens' WHERE id = 'alien';
      DELETE FROM movies WHERE id = 'heat';
      COMMIT`);

    await relayRound(relay, MOVIES);
    await pipeline.until(async () => (await pipeline.read('movie', 'alien'))?.version === 3);
    await drained();

    expect(summary(relay.published)).toEqual(['upsert alien@1', 'upsert heat@2', 'upsert alien@3', 'delete heat@4']);
    expect((await pipeline.read('movie', 'alien'))?.record).toEqual({ title: 'Aliens' });
    expect(await pipeline.read('movie', 'heat')).toMatchObject({ deleted: true, version: 4 });
  });

  it('republishes after a stop between publish and checkpoint, and the second delivery changes nothing', async () => {
    let crash = true;
    const crashing = (log: ChangeLog): ChangeLog => ({
      ...log,
      checkpoint: () => log.checkpoint(),
      readFinished: (after, limit) => log.readFinished(after, limit),
      reject: (change, reason) => log.reject(change, reason),
      prune: (before) => log.prune(before),
      saveCheckpoint: async (position) => {
        if (crash) throw new Error('killed before the checkpoint');
        await log.saveCheckpoint(position);
      },
    });
    const first = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn: pipeline.topicArn, wrapLog: crashing });
    await pg.pool.query("INSERT INTO movies VALUES ('alien', 'Alien'), ('heat', 'Heat')");
    await pg.pool.query("DELETE FROM movies WHERE id = 'heat'");
    await expect(relayRound(first, MOVIES)).rejects.toThrow('killed before the checkpoint');
    await pipeline.until(async () => (await pipeline.read('movie', 'heat'))?.deleted === true);
    await drained();
    const before = { alien: await pipeline.read('movie', 'alien'), heat: await pipeline.read('movie', 'heat') };

    crash = false;
    const restarted = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn: pipeline.topicArn });
    await relayRound(restarted, MOVIES);
    await drained();

    expect(summary(restarted.published)).toEqual(['upsert alien@1', 'upsert heat@2', 'delete heat@3']);
    // Same records, same write times: the version guard turned the second delivery into no write at all.
    expect({ alien: await pipeline.read('movie', 'alien'), heat: await pipeline.read('movie', 'heat') }).toEqual(before);
    expect(before.heat).toMatchObject({ deleted: true, version: 3 });
    expect(await pipeline.deadLetters()).toEqual([]);
  });
});
