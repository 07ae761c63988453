/**
 * A world for the dead-letter tests: the apply and verify queues with their dead-letter queues on
 * the suite's AWS backend (fauxqs, or moto in `integration-moto`), letters put there the way the
 * handlers put them (lambdas/adapters/sqs/dead-letter.ts) or the way SQS moves them, and the
 * ops API over HTTP wired to them through the composition root.
 */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { ApiLog } from '../../../lambdas/api/ports.ts';
import { ownApplyQueueName, type DeadLetterQueueName } from '../../../lambdas/core/dead-letters.ts';
import { DeadLetterQueue } from '../../../lambdas/adapters/sqs/dead-letter.ts';
import { startApiServer, type ApiServer } from '../../../lambdas/local/api-server.ts';
import type { AwsTestEnv } from '../../support/aws.ts';
import { createTables } from '../../support/tables.ts';

export interface QueueUrls {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

export interface DeadLetterWorld {
  apply: QueueUrls;
  verify: QueueUrls;
  /** Every queue pair by its name (`apply`, `verify`, `apply:<type>` for each own queue asked for). */
  queues: Record<DeadLetterQueueName, QueueUrls>;
  /** The environment naming them as lib/api.ts does, and the emulator's SQS endpoint. */
  env: Record<string, string>;
  /** Dead-letters a change event of `type`/`id` as the apply handler does; resolves with the body sent. */
  deadLetter(queue: DeadLetterQueueName, type: string, id: string, reason?: string): Promise<string>;
  /** Puts a message on a dead-letter queue as SQS moves one after maxReceiveCount: no reason, only its own attributes. */
  movedBySqs(queue: DeadLetterQueueName, type: string, id: string): Promise<string>;
}

export const config = {
  types: ['movie', 'show'].map((name) => ({
    name,
    source: { type: 'http' as const, itemUrl: `http://127.0.0.1:9/${name}/{id}`, pageUrl: `http://127.0.0.1:9/${name}?cursor={cursor}` },
    transform: (doc: Record<string, unknown>) => doc,
    version: (doc: Record<string, unknown>) => doc['version'] as number,
  })),
};

/** The change event body of `type`/`id`. */
export function changeBody(type: string, id: string): string {
  return JSON.stringify({ type, id, op: 'upsert', version: 1 });
}

/** Creates the four queues (two more for each type of `ownTypes`, named as lib/api.ts names them) and the API's tables, with fresh names. */
export async function deadLetterWorld(aws: AwsTestEnv, options: { dlqMaximumMessageSize?: number; ownTypes?: readonly string[] } = {}): Promise<DeadLetterWorld> {
  const suffix = randomUUID().slice(0, 8);
  const create = async (name: string, attributes?: Record<string, string>) =>
    (await aws.sqs.send(new CreateQueueCommand({ QueueName: `${name}-${suffix}`, ...(attributes ? { Attributes: attributes } : {}) }))).QueueUrl as string;
  const dlqAttributes = options.dlqMaximumMessageSize ? { MaximumMessageSize: String(options.dlqMaximumMessageSize) } : undefined;
  const apply = { queueUrl: await create('apply'), deadLetterQueueUrl: await create('apply-dlq', dlqAttributes) };
  const verify = { queueUrl: await create('verify'), deadLetterQueueUrl: await create('verify-dlq', dlqAttributes) };
  const tables = { indexTable: `dl-index-${suffix}`, controlTable: `dl-control-${suffix}` };
  await createTables(aws.dynamodb, tables);
  const own: Record<string, { queueUrl: string; dlqUrl: string }> = {};
  const queues: Record<DeadLetterQueueName, QueueUrls> = { apply, verify };
  for (const type of options.ownTypes ?? []) {
    const pair = { queueUrl: await create(`apply-${type}`), deadLetterQueueUrl: await create(`apply-${type}-dlq`, dlqAttributes) };
    own[type] = { queueUrl: pair.queueUrl, dlqUrl: pair.deadLetterQueueUrl };
    queues[ownApplyQueueName(type)] = pair;
  }
  return {
    apply,
    verify,
    queues,
    env: {
      ...(options.ownTypes?.length ? { FRESHINDEX_DEAD_LETTERS_OWN_APPLY: JSON.stringify(own) } : {}),
      FRESHINDEX_INDEX_TABLE: tables.indexTable,
      FRESHINDEX_CONTROL_TABLE: tables.controlTable,
      FRESHINDEX_DEAD_LETTERS_APPLY_QUEUE_URL: apply.queueUrl,
      FRESHINDEX_DEAD_LETTERS_APPLY_DLQ_URL: apply.deadLetterQueueUrl,
      FRESHINDEX_DEAD_LETTERS_VERIFY_QUEUE_URL: verify.queueUrl,
      FRESHINDEX_DEAD_LETTERS_VERIFY_DLQ_URL: verify.deadLetterQueueUrl,
      AWS_ENDPOINT_URL_SQS: aws.endpoints.sqs,
    },
    async deadLetter(queue, type, id, reason = `invalid change event: ${type}/${id} is broken`) {
      const body = changeBody(type, id);
      await new DeadLetterQueue(aws.sqs, queues[queue]!.deadLetterQueueUrl).send(body, { reason, messageId: randomUUID(), type, id, receiveCount: 5 });
      return body;
    },
    async movedBySqs(queue, type, id) {
      const body = changeBody(type, id);
      const sent = await aws.sqs.send(
        new SendMessageCommand({ QueueUrl: queues[queue]!.deadLetterQueueUrl, MessageBody: body, MessageAttributes: { type: { DataType: 'String', StringValue: type } } }),
      );
      return sent.MessageId as string;
    },
  };
}

/** The ops API on localhost, wired to the world through the composition root (as the API function is). */
export async function startDeadLetterApi(aws: AwsTestEnv, world: DeadLetterWorld, log: ApiLog = { info() {}, error() {} }, apiConfig: Parameters<typeof startApiServer>[0]['config'] = config): Promise<ApiServer> {
  return startApiServer({ config: apiConfig, env: world.env, dynamodb: aws.dynamodb, sqs: aws.sqs, log });
}

/** Every message of a queue, with its attributes (received, and hidden for a minute). */
export async function receiveAll(aws: AwsTestEnv, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

/** SQS's count of the letters waiting and in flight. */
export async function depthOf(aws: AwsTestEnv, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes['ApproximateNumberOfMessages']) + Number(Attributes['ApproximateNumberOfMessagesNotVisible']);
}
