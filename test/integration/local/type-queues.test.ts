/**
 * Issue 14, per-type queues, on the local runtime: the template's own apply queues and their
 * filtered subscriptions are stood up on the emulators, so an event reaches the queues of the
 * types that consume it and no other, and each queue's poller runs with that type's batching;
 * the ops API is given each own queue and its dead-letter queue (`apply:<type>` of its routes).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeStacks } from '../../../bin/freshindex.ts';
import { createResourcesFromTemplates } from '../../../lambdas/local/cloud-assembly.ts';
import { planFromTemplates, type DevPlan } from '../../../lambdas/local/dev/template-plan.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

const CONFIG = fileURLToPath(new URL('../../infra/fixtures/fanout.config.ts', import.meta.url));

describe('per-type apply queues on the local runtime', () => {
  let aws: AwsTestEnv;
  let plan: DevPlan;
  const prefix = `t${randomUUID().slice(0, 6)}-`;

  /** The apply pollers' queues, by the types their function serves. */
  const applyQueues = () =>
    Object.fromEntries(plan.functions.filter((planned) => planned.role === 'apply').map((planned) => [planned.fn.environment['FRESHINDEX_APPLY_TYPES'] ?? '(all)', planned.mapping]));
  const drain = async (queueUrl: string): Promise<string[]> => {
    const types: string[] = [];
    for (let round = 0; round < 3; round++) {
      const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: round === 0 ? 1 : 0 }));
      types.push(...Messages.map((message) => (JSON.parse(message.Body ?? '{}') as { type: string }).type));
    }
    return types.sort();
  };

  beforeAll(async () => {
    aws = await startAws();
    const stacks = await synthesizeStacks(CONFIG);
    const local = await createResourcesFromTemplates(stacks, aws, { prefix });
    plan = planFromTemplates(stacks, local, 'us-east-1');
  }, 120_000);
  afterAll(async () => {
    await aws?.stop();
  });

  it('polls each own queue with its type’s batch size and batching window', () => {
    const queues = applyQueues();

    expect(Object.keys(queues).sort()).toEqual(['article', 'click', 'product']);
    expect(queues['product']).toMatchObject({ batchSize: 100, maxBatchingWindowMs: 20_000 });
    expect(queues['click']).toMatchObject({ batchSize: 1, maxBatchingWindowMs: 0 });
  });

  it('polls the shared queue, whose props set no batching, with the batching derived from its types’ 60 s freshness target', () => {
    const queues = applyQueues();

    expect(queues['article']).toMatchObject({ batchSize: 100, maxBatchingWindowMs: 1_000 });
  });

  it('delivers a catalog type’s changes and the events it listens to to its own queue, not to the shared one', async () => {
    const queues = applyQueues();
    const events = ['product', 'brand', 'article', 'author', 'click'].map((type, index) => ({ type, id: `x${index}`, op: 'upsert' }));

    await aws.sns.send(
      new PublishBatchCommand({
        TopicArn: plan.changeTopicArn,
        PublishBatchRequestEntries: events.map((event, index) => ({
          Id: String(index),
          Message: JSON.stringify(event),
          MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
        })),
      }),
    );

    expect(await drain(queues['product']?.queueUrl as string)).toEqual(['brand', 'product']);
    expect(await drain(queues['click']?.queueUrl as string)).toEqual(['click']);
    expect(await drain(queues['article']?.queueUrl as string)).toEqual(['article', 'author']);
  });

  it('names each own queue and its dead-letter queue to the ops API, the queue its poller reads', async () => {
    const queues = applyQueues();
    const api = plan.functions.find((planned) => planned.role === 'api');
    const own = JSON.parse(api?.fn.environment['FRESHINDEX_DEAD_LETTERS_OWN_APPLY'] ?? '{}') as Record<string, { queueUrl: string; dlqUrl: string }>;

    expect(Object.keys(own).sort()).toEqual(['click', 'product']);
    for (const type of ['click', 'product']) {
      expect(own[type]?.queueUrl).toBe(queues[type]?.queueUrl);
      const { Attributes = {} } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: own[type]?.queueUrl, AttributeNames: ['RedrivePolicy'] }));
      // A queue URL ends with its name, an ARN too.
      expect(JSON.parse(Attributes['RedrivePolicy'] ?? '{}').deadLetterTargetArn).toMatch(new RegExp(`:${own[type]?.dlqUrl.split('/').pop()}$`));
    }
  });
});
