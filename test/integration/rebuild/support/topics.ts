/** SNS topics with an SQS queue subscribed to each, to read what the job published. */
import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AwsTestEnv } from '../../../support/aws.ts';

export interface Inbox {
  topicArn: string;
  /** The messages published so far (SNS envelopes unwrapped), waiting up to `waitMs` for at least `min`. */
  drain(min?: number, waitMs?: number): Promise<Array<Record<string, unknown>>>;
}

export async function createInbox(aws: AwsTestEnv, name: string): Promise<Inbox> {
  const suffix = randomUUID().slice(0, 8);
  const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: `${name}-${suffix}` }));
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `${name}-${suffix}` }));
  const queueArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
  const received: Array<Record<string, unknown>> = [];
  return {
    topicArn: TopicArn as string,
    async drain(min = 0, waitMs = 3_000) {
      const deadline = Date.now() + waitMs;
      do {
        const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: received.length >= min ? 0 : 1 }));
        for (const message of Messages) {
          const body = JSON.parse(message.Body ?? '{}') as Record<string, unknown>;
          received.push(typeof body['Message'] === 'string' && body['Type'] === 'Notification' ? (JSON.parse(body['Message']) as Record<string, unknown>) : body);
        }
        if (Messages.length === 0 && received.length >= min) break;
      } while (Date.now() < deadline);
      return received;
    },
  };
}
