/**
 * The relay function as Lambda runs it: one invocation relays round after round until shortly
 * before its timeout, and says what it did.
 */
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureRelayDeps } from '../../../lambdas/adapters/compose/capture.ts';
import { createCaptureRelayHandler } from '../../../lambdas/handlers/capture-relay.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { usePostgres } from '../../support/postgres.ts';
import { captureMovies } from './support.ts';

const pg = usePostgres();
let aws: AwsTestEnv;
const movie = { name: 'movie', source: { type: 'jsonl' as const, path: 'm.jsonl' }, transform: (doc: Record<string, unknown>) => doc, version: () => 1 };

beforeAll(async () => {
  aws = await startAws();
});
afterAll(async () => {
  await aws.stop();
});

describe('the capture relay function', () => {
  it('relays what was written before and during the invocation, and stops before its timeout', async () => {
    await captureMovies(pg.pool);
    const topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: 'relay-fn' }))).TopicArn as string;
    const deps = captureRelayDeps({ pool: pg.pool, sns: aws.sns, topicArn });
    const handler = createCaptureRelayHandler(
      { types: [movie], capture: { postgres: { connection: { env: 'UNUSED' }, tables: [{ table: 'movies', event: 'movie' }], pollIntervalMs: 50 } } },
      { parts: { deps, close: async () => {} }, logger: new Logger({ logLevel: 'SILENT' }), marginMs: 0 },
    );
    await pg.pool.query("INSERT INTO movies VALUES ('before', 'Before')");

    const invocation = handler({}, { getRemainingTimeInMillis: () => 1_500 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pg.pool.query("INSERT INTO movies VALUES ('during', 'During')");
    const outcome = await invocation;

    expect(outcome).toMatchObject({ published: 2, rejected: 0, failures: 0 });
    expect(await deps.log.checkpoint()).toMatchObject({ seq: 2 });
  });

  it('fails the invocation when not one round went through, so the Errors metric shows it', async () => {
    await pg.pool.query('DROP SCHEMA IF EXISTS freshindex CASCADE');
    const deps = captureRelayDeps({ pool: pg.pool, sns: aws.sns, topicArn: 'arn:aws:sns:us-east-1:000000000000:none' });
    const handler = createCaptureRelayHandler(
      { types: [movie], capture: { postgres: { connection: { env: 'UNUSED' }, tables: [{ table: 'movies', event: 'movie' }], pollIntervalMs: 50 } } },
      { parts: { deps, close: async () => {} }, logger: new Logger({ logLevel: 'SILENT' }), marginMs: 0 },
    );

    await expect(handler({}, { getRemainingTimeInMillis: () => 300 })).rejects.toThrow(/freshindex.relay_checkpoint" does not exist/);
  });

  it('refuses a config without capture.postgres at cold start', () => {
    expect(() => createCaptureRelayHandler({ types: [movie] })).toThrow(ConfigError);
  });
});
