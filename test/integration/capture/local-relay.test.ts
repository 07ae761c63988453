/**
 * The relay of `npm start`: started from the config's `capture.postgres`, it publishes what the
 * database's triggers capture to the emulated change topic until stopped.
 */
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { startLocalRelay } from '../../../lambdas/local/dev/capture.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { usePostgres } from '../../support/postgres.ts';
import { captureMovies } from './support.ts';

const pg = usePostgres();
let aws: AwsTestEnv;

beforeAll(async () => {
  aws = await startAws();
});
afterAll(async () => {
  await aws.stop();
});

describe('the local capture relay', () => {
  it('publishes captured rows to the change topic with the type attribute, and stops when asked', async () => {
    await captureMovies(pg.pool);
    const topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: 'local-changes' }))).TopicArn as string;
    const queueUrl = (await aws.sqs.send(new CreateQueueCommand({ QueueName: 'local-changes-probe' }))).QueueUrl as string;
    const queueArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
    await aws.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
    const { capture } = validateConfig({
      types: [{ name: 'movie', source: { type: 'jsonl', path: 'm.jsonl' }, transform: (doc: unknown) => doc, version: () => 1 }],
      capture: { postgres: { connection: { env: 'LOCAL_DB_URL' }, tables: [{ table: 'movies', event: 'movie' }], pollIntervalMs: 50 } },
    });
    const lines: string[] = [];
    const relay = await startLocalRelay({ capture: capture!.postgres!, sns: aws.sns, topicArn, env: { LOCAL_DB_URL: pg.server.url }, log: (line) => lines.push(line) });

    await pg.pool.query("INSERT INTO movies VALUES ('alien', 'Alien')");
    const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 10, MessageAttributeNames: ['All'] }));
    await relay.stop();

    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]?.Body ?? '{}')).toMatchObject({ type: 'movie', id: 'alien', op: 'upsert', version: 1 });
    expect(Messages[0]?.MessageAttributes?.['type']?.StringValue).toBe('movie');
    expect(lines).toContain('freshindex dev: capture relay: published 1 change(s)');
  });
});
