import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidChangeError } from '../../../lambdas/core/errors.ts';
import { parseChangeMessage } from '../../../lambdas/core/events.ts';
import { ChangePublisher } from '../../../lambdas/publisher/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

describe('the change publisher', () => {
  let aws: AwsTestEnv;
  let publisher: ChangePublisher;
  let queueUrl: string;

  beforeAll(async () => {
    aws = await startAws();
    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'publisher-changes' }));
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'publisher-queue' }));
    queueUrl = QueueUrl as string;
    const arn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
    await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: arn }));
    publisher = new ChangePublisher({ sns: aws.sns, topicArn: TopicArn as string, now: () => Date.parse('2026-11-21T10:00:00Z') });
  });
  afterAll(async () => aws.stop());

  it('publishes events that the apply handler parses, with the type attribute for filtering', async () => {
    await publisher.upsert('video', 'v1', { version: 3, doc: { id: 'v1', title: 'A' } });
    await publisher.delete('video', 'v2', { version: 4 });
    const received: string[] = [];
    while (received.length < 2) {
      const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      received.push(...Messages.map((m) => m.Body ?? ''));
    }
    const events = received.map(parseChangeMessage).sort((a, b) => a.id.localeCompare(b.id));
    expect(events).toEqual([
      { type: 'video', id: 'v1', op: 'upsert', version: 3, doc: { id: 'v1', title: 'A' }, occurredAt: '2026-11-21T10:00:00.000Z' },
      { type: 'video', id: 'v2', op: 'delete', version: 4, occurredAt: '2026-11-21T10:00:00.000Z' },
    ]);
    const envelope = JSON.parse(received[0] as string) as { MessageAttributes?: Record<string, { Value: string }> };
    expect(envelope.MessageAttributes?.['type']?.Value).toBe('video');
  });

  it('refuses an event that breaks the contract before sending anything', async () => {
    await expect(publisher.publishMany([{ type: 'video', id: 'ok', op: 'upsert' }, { type: 'video', id: '', op: 'upsert' }])).rejects.toBeInstanceOf(InvalidChangeError);
  });

  it('refuses a version that is not a version, or one past 2^53, naming the field and sending nothing', async () => {
    await expect(publisher.delete('video', 'v9', { version: 'yesterday-ish' })).rejects.toThrow(/^invalid change event: version: "yesterday-ish" is not a version/);
    await expect(publisher.upsert('video', 'v9', { version: 'abc', doc: { id: 'v9' } })).rejects.toBeInstanceOf(InvalidChangeError);
    await expect(publisher.publishMany([{ type: 'video', id: 'v8', op: 'upsert', version: 1 }, { type: 'video', id: 'v9', op: 'upsert', version: 2 ** 60 }])).rejects.toThrow(/version: .* is past 2\^53 - 1/);

    const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(Messages).toEqual([]);
  });
});
