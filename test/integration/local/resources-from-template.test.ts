import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetSubscriptionAttributesCommand, PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourcesFromTemplate, type CfnTemplate, type LocalStack } from '../../../lambdas/local/resources-from-template.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { drainBodies } from './sqs-helpers.ts';

const fixture = new URL('./fixtures/small-stack.template.json', import.meta.url);

describe('createResourcesFromTemplate', () => {
  let aws: AwsTestEnv;
  let stack: LocalStack;
  const prefix = `t${randomUUID().slice(0, 6)}-`;

  beforeAll(async () => {
    aws = await startAws();
    const template = JSON.parse(await readFile(fixture, 'utf8')) as CfnTemplate;
    stack = await createResourcesFromTemplate(template, aws, { prefix });
  });
  afterAll(async () => {
    await aws.stop();
  });

  const queue = (logicalId: string) => {
    const resource = stack.resources[logicalId];
    if (resource?.kind !== 'queue') throw new Error(`${logicalId} is not a queue`);
    return resource;
  };
  const queueAttributes = async (logicalId: string) =>
    (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue(logicalId).url, AttributeNames: ['All'] }))).Attributes ?? {};

  it('creates queues with the delay, visibility timeout and retention of the template', async () => {
    const verify = await queueAttributes('VerifyQueue1C2D3E4F');
    const apply = await queueAttributes('ApplyQueue5E6F7A8B');
    expect(verify).toMatchObject({ DelaySeconds: '60', VisibilityTimeout: '120' });
    expect(apply).toMatchObject({ VisibilityTimeout: '180', MessageRetentionPeriod: '345600' });
  });

  it('resolves a queue redrive policy to the ARN of its dead-letter queue', async () => {
    const apply = await queueAttributes('ApplyQueue5E6F7A8B');
    expect(JSON.parse(apply['RedrivePolicy'] ?? '{}')).toEqual({ deadLetterTargetArn: queue('ApplyDlq8F3C2A1B').arn, maxReceiveCount: 5 });
  });

  it('subscribes sqs queues with raw delivery and their filter policies', async () => {
    const subscription = stack.resources['VerifyQueueSubscription5F4E3D2C'];
    const attributes = (await aws.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription?.kind === 'subscription' ? subscription.arn : '' })))
      .Attributes;
    expect(attributes).toMatchObject({ RawMessageDelivery: 'true', FilterPolicyScope: 'MessageBody' });
    expect(JSON.parse(attributes?.['FilterPolicy'] ?? '{}')).toEqual({ op: ['upsert'] });
  });

  it('delivers only the changes its filter policy lets through to a subscribed queue', async () => {
    const topic = stack.resources['ChangeTopicA1B2C3D4'];
    const topicArn = topic?.kind === 'topic' ? topic.arn : '';
    for (const type of ['video', 'movie']) {
      await aws.sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: JSON.stringify({ type, id: '1', op: 'upsert' }),
          MessageAttributes: { type: { DataType: 'String', StringValue: type } },
        }),
      );
    }
    const bodies = await drainBodies(aws.sqs, queue('ApplyQueue5E6F7A8B').url);
    expect(bodies.map((body) => JSON.parse(body) as { type: string })).toEqual([{ type: 'movie', id: '1', op: 'upsert' }]);
  });

  it('creates tables with the keys and billing mode of the template', async () => {
    const index = stack.resources['IndexTable7B8C9D0E'];
    const table = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: index?.kind === 'table' ? index.name : '' }))).Table;
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
    expect(index).toMatchObject({ ttlAttribute: 'expiresAt' });
  });

  it('names resources after their logical id, or the name the template gives, behind the prefix', () => {
    expect(stack.resources['IndexTable7B8C9D0E']).toMatchObject({ name: `${prefix}IndexTable7B8C9D0E` });
    expect(stack.resources['ControlTableF1E2D3C4']).toMatchObject({ name: `${prefix}local-control` });
  });

  it('resolves function environments to the local names, URLs and ARNs', () => {
    const environment = stack.functions['ApplyFunction4D5E6F7A']?.environment;
    const index = stack.resources['IndexTable7B8C9D0E'];
    expect(environment).toMatchObject({
      FRESHINDEX_INDEX_TABLE: `${prefix}IndexTable7B8C9D0E`,
      FRESHINDEX_CONTROL_TABLE: `${prefix}local-control`,
      FRESHINDEX_APPLY_DLQ_URL: queue('ApplyDlq8F3C2A1B').url,
      FRESHINDEX_JOB_QUEUE: 'JobQueue2B3C4D5E',
      DESCRIPTION: `apply in us-east-1 for ${index?.kind === 'table' ? index.arn : ''}`,
    });
  });

  it('reads the SQS event source mapping with its queue and batching settings', () => {
    expect(stack.eventSourceMappings).toEqual([
      {
        logicalId: 'ApplyFunctionSqsEventSource8E9F0A1B',
        functionName: 'ApplyFunction4D5E6F7A',
        queueArn: queue('ApplyQueue5E6F7A8B').arn,
        queueUrl: queue('ApplyQueue5E6F7A8B').url,
        queueLogicalId: 'ApplyQueue5E6F7A8B',
        batchSize: 100,
        maxBatchingWindowMs: 1000,
        reportBatchItemFailures: true,
        maximumConcurrency: 4,
        enabled: true,
      },
    ]);
  });

  it('lists every other resource as a local stand-in or ignored', () => {
    const dispositions = Object.fromEntries(stack.notCreated.map((entry) => [entry.logicalId, entry.disposition]));
    expect(dispositions).toEqual({
      Key961B73FD: 'ignored',
      ApplyQueuePolicy0A1B2C3D: 'ignored',
      AlertsEmailSubscription: 'ignored',
      ApplyFunctionServiceRole1A2B3C4D: 'ignored',
      ApplyFunction4D5E6F7A: 'stand-in',
      ApplyFunctionSqsEventSource8E9F0A1B: 'stand-in',
      JobQueue2B3C4D5E: 'stand-in',
      NightlyRebuildRule3C4D5E6F: 'stand-in',
      ProdOnlyQueue: 'ignored',
      CDKMetadata: 'ignored',
    });
  });

  it('resolves the template outputs and names its exports', () => {
    const topic = stack.resources['ChangeTopicA1B2C3D4'];
    expect(stack.outputs).toMatchObject({ ChangeTopicArn: topic?.kind === 'topic' ? topic.arn : 'missing', ApplyQueueUrl: queue('ApplyQueue5E6F7A8B').url });
    expect(stack.exports).toEqual({ 'SmallData:ApplyQueueArn': queue('ApplyQueue5E6F7A8B').arn, 'local:IndexTable': `${prefix}IndexTable7B8C9D0E` });
  });
});
