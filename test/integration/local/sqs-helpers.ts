/** Queue helpers of the local-runtime integration tests. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A work queue with a dead-letter queue, as the apply queue is deployed. */
export interface QueuePair {
  url: string;
  arn: string;
  dlqUrl: string;
}

export async function createQueuePair(sqs: SQSClient, options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {}): Promise<QueuePair> {
  const name = `q-${randomUUID().slice(0, 8)}`;
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl as string;
  const dlqArn = await queueArn(sqs, dlqUrl);
  const url = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 1),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount ?? 3 }),
        },
      }),
    )
  ).QueueUrl as string;
  return { url, arn: await queueArn(sqs, url), dlqUrl };
}

export async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const output = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return output.Attributes?.['QueueArn'] as string;
}

/** Sends bodies in batches of 10, each with the message attribute `type`. */
export async function sendAll(sqs: SQSClient, url: string, bodies: readonly string[], type = 'movie'): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: bodies.slice(start, start + 10).map((body, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageAttributes: { type: { DataType: 'String', StringValue: type } },
        })),
      }),
    );
  }
}

/** Visible plus in-flight messages of a queue. */
export async function countMessages(sqs: SQSClient, url: string): Promise<number> {
  const output = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(output.Attributes?.['ApproximateNumberOfMessages'] ?? 0) + Number(output.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0);
}

/** Drains up to `max` bodies from a queue (for reading a DLQ). */
export async function drainBodies(sqs: SQSClient, url: string, max = 10): Promise<string[]> {
  const output = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: max, WaitTimeSeconds: 1 }));
  return (output.Messages ?? []).map((message) => message.Body ?? '');
}

/** Waits until `condition` holds, failing with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}
