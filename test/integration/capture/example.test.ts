/**
 * The Postgres example (examples/postgres): its config loads, its seed and the capture setup run
 * on a real server, and an edit of the catalog becomes a change event of the `product` type.
 */
import { readFile } from 'node:fs/promises';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCaptureSql } from '../../../lambdas/adapters/compose/capture.ts';
import { initSql } from '../../../lambdas/core/capture/init.ts';
import { relayRound } from '../../../lambdas/core/capture/relay.ts';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { config } from '../../../examples/postgres/freshindex.config.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { usePostgres } from '../../support/postgres.ts';
import { recordingRelay, summary } from './support.ts';

const pg = usePostgres();
let aws: AwsTestEnv;

beforeAll(async () => {
  aws = await startAws();
});
afterAll(async () => {
  await aws.stop();
});

describe('the Postgres example', () => {
  it('captures an edit of the seeded catalog as a product change', async () => {
    const capture = validateConfig(config).capture!.postgres!;
    await pg.pool.query('DROP SCHEMA IF EXISTS freshindex CASCADE; DROP SCHEMA IF EXISTS shop CASCADE');
    await pg.pool.query(await readFile(new URL('../../../examples/postgres/seed.sql', import.meta.url), 'utf8'));
    await applyCaptureSql(pg.pool, initSql(capture.tables));
    const topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: 'example' }))).TopicArn as string;
    const relay = recordingRelay({ pool: pg.pool, sns: aws.sns, topicArn });

    await pg.pool.query("UPDATE shop.products SET price_cents = 7900 WHERE sku = 'kb-01'");
    await relayRound(relay, capture);

    expect(summary(relay.published)).toEqual(['upsert kb-01@1']);
    expect(relay.published[0]?.doc).toMatchObject({ sku: 'kb-01', price_cents: 7900, freshindex_seq: 1 });
  });
});
