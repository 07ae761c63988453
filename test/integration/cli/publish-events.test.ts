/**
 * `freshindex publish` against a local runtime: it accepts the config's declared events (heard by
 * the types listening to them), not only its types, and still refuses what no one would hear.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDevState } from '../../../lambdas/local/dev/state.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cli } from './support.ts';

let aws: AwsTestEnv;
let directory: string;
let stateFile: string;
let queueUrl: string;

beforeAll(async () => {
  aws = await startAws();
  directory = await mkdtemp(join(tmpdir(), 'freshindex-publish-'));
  stateFile = join(directory, 'dev.json');
  const topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: 'changes' }))).TopicArn as string;
  queueUrl = (await aws.sqs.send(new CreateQueueCommand({ QueueName: 'changes-probe' }))).QueueUrl as string;
  const queueArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
  await aws.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
  await writeDevState(stateFile, {
    version: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    configPath: 'freshindex.config.ts',
    types: ['article-card'],
    events: ['author'],
    apiUrl: 'http://127.0.0.1:9/',
    controlUrl: 'http://127.0.0.1:9/',
    endpoints: aws.endpoints,
    region: aws.clientConfig('sns').region,
    changeTopicArn: topicArn,
    tables: { index: 'index', control: 'control' },
  });
});
afterAll(async () => {
  await aws.stop();
  await rm(directory, { recursive: true, force: true });
});

describe('freshindex publish on the local runtime', () => {
  it('publishes an event of a declared event type, with its type attribute', async () => {
    const result = await cli(['publish', 'author', 'a1', '--version', '5'], stateFile);

    expect(result.code).toBe(0);
    const received = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MessageAttributeNames: ['All'] }));
    expect(received.Messages?.map((message) => JSON.parse(message.Body ?? '{}'))).toMatchObject([{ type: 'author', id: 'a1', op: 'upsert', version: 5 }]);
    expect(received.Messages?.[0]?.MessageAttributes?.['type']?.StringValue).toBe('author');
  });

  it('refuses an event type the config neither declares nor indexes, naming both lists', async () => {
    const result = await cli(['publish', 'auhtor', 'a1'], stateFile);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('unknown resource type "auhtor": the running config declares the types article-card and the events author');
  });
});
