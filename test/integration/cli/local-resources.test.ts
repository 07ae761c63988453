/**
 * `freshindex dev` stands the synthesized template up on the emulators: the queues, subscriptions
 * and tables it creates carry the template's settings, and what the runtime runs (pollers,
 * handler and job environments) is read from the template too.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeStacks } from '../../../bin/freshindex.ts';
import { createResourcesFromTemplates, type LocalStacks, type StackTemplate } from '../../../lambdas/local/cloud-assembly.ts';
import { planFromTemplates, type DevPlan } from '../../../lambdas/local/dev/template-plan.ts';
import type { CfnResource } from '../../../lambdas/local/template-intrinsics.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { DEMO_CONFIG } from './support.ts';

type Found = { stack: string; logicalId: string; resource: CfnResource };

describe('the local resources of the demo config', () => {
  let aws: AwsTestEnv;
  let stacks: StackTemplate[];
  let local: LocalStacks;
  let plan: DevPlan;
  const prefix = `r${randomUUID().slice(0, 6)}-`;

  const resourcesOf = (type: string): Found[] =>
    stacks.flatMap(({ stackName, template }) =>
      Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([logicalId, resource]) => ({ stack: stackName, logicalId, resource })),
    );
  const created = (logicalId: string) => {
    const resource = local.resources[logicalId];
    if (!resource) throw new Error(`${logicalId} was not created locally`);
    return resource;
  };
  const referenced = (value: unknown): string => {
    const reference = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    return reference.Ref ?? reference['Fn::GetAtt']?.[0] ?? '';
  };

  beforeAll(async () => {
    aws = await startAws();
    stacks = await synthesizeStacks(DEMO_CONFIG);
    local = await createResourcesFromTemplates(stacks, aws, { prefix });
    plan = planFromTemplates(stacks, local, 'us-east-1');
  }, 120_000);
  afterAll(async () => {
    await aws?.stop();
  });

  it('creates every queue with the delay, visibility timeout and redrive policy of the template', async () => {
    const queues = resourcesOf('AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(4);
    for (const { logicalId, resource } of queues) {
      const queue = created(logicalId);
      if (queue.kind !== 'queue') throw new Error(`${logicalId} is a ${queue.kind}`);
      const { Attributes = {} } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }));
      const properties = resource.Properties ?? {};

      expect(Number(Attributes['DelaySeconds'] ?? 0), `${logicalId}.DelaySeconds`).toBe(Number(properties['DelaySeconds'] ?? 0));
      expect(Number(Attributes['VisibilityTimeout']), `${logicalId}.VisibilityTimeout`).toBe(Number(properties['VisibilityTimeout'] ?? 30));
      const redrive = properties['RedrivePolicy'] as { deadLetterTargetArn: unknown; maxReceiveCount: number } | undefined;
      if (redrive) {
        const deadLetter = created(referenced(redrive.deadLetterTargetArn));
        expect(JSON.parse(Attributes['RedrivePolicy'] ?? '{}'), `${logicalId}.RedrivePolicy`).toEqual({
          deadLetterTargetArn: deadLetter.kind === 'queue' ? deadLetter.arn : 'not a queue',
          maxReceiveCount: redrive.maxReceiveCount,
        });
      } else {
        expect(Attributes['RedrivePolicy'], `${logicalId}.RedrivePolicy`).toBeUndefined();
      }
    }
  });

  it('subscribes every queue to its topic with the filter policy and raw delivery of the template', async () => {
    const subscriptions = resourcesOf('AWS::SNS::Subscription').filter(({ resource }) => resource.Properties?.['Protocol'] === 'sqs');
    // The apply queue's (the verify queue has none: the apply function sends it the checks).
    expect(subscriptions.length).toBeGreaterThanOrEqual(1);
    for (const { logicalId, resource } of subscriptions) {
      const properties = resource.Properties ?? {};
      const topic = created(referenced(properties['TopicArn']));
      const queue = created(referenced(properties['Endpoint']));
      if (topic.kind !== 'topic' || queue.kind !== 'queue') throw new Error(`${logicalId} does not join a topic to a queue`);
      const { Subscriptions = [] } = await aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic.arn }));
      const subscription = Subscriptions.find((candidate) => candidate.Endpoint === queue.arn);
      expect(subscription, `${logicalId} on the topic`).toBeDefined();
      const { Attributes = {} } = await aws.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription?.SubscriptionArn }));

      expect(Attributes['RawMessageDelivery'] ?? 'false', `${logicalId}.RawMessageDelivery`).toBe(String(properties['RawMessageDelivery'] ?? false));
      const filterPolicy = properties['FilterPolicy'];
      if (filterPolicy === undefined) expect(Attributes['FilterPolicy'], `${logicalId}.FilterPolicy`).toBeUndefined();
      else expect(JSON.parse(Attributes['FilterPolicy'] ?? 'null'), `${logicalId}.FilterPolicy`).toEqual(filterPolicy);
    }
  });

  it('creates every table with the keys and TTL attribute of the template', async () => {
    const tables = resourcesOf('AWS::DynamoDB::Table');
    expect(tables.length).toBe(2);
    for (const { logicalId, resource } of tables) {
      const table = created(logicalId);
      if (table.kind !== 'table') throw new Error(`${logicalId} is a ${table.kind}`);
      const { Table } = await aws.dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
      const properties = resource.Properties ?? {};

      expect(Table?.KeySchema, `${logicalId}.KeySchema`).toEqual(properties['KeySchema']);
      expect(sortByName(Table?.AttributeDefinitions ?? []), `${logicalId}.AttributeDefinitions`).toEqual(sortByName(properties['AttributeDefinitions'] as Array<{ AttributeName: string }>));
      const ttl = properties['TimeToLiveSpecification'] as { AttributeName: string } | undefined;
      expect(table.ttlAttribute, `${logicalId} TTL attribute`).toBe(ttl?.AttributeName);
      if (table.ttlApplied) {
        const { TimeToLiveDescription } = await aws.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table.name }));
        expect(TimeToLiveDescription?.AttributeName).toBe(ttl?.AttributeName);
      }
    }
  });

  it('polls each queue with the batch size and batching window of its event source mapping', () => {
    const mappings = resourcesOf('AWS::Lambda::EventSourceMapping');
    const consumers = plan.functions.filter((planned) => planned.mapping);
    expect(consumers.map((planned) => planned.role).sort()).toEqual(['apply', 'verify']);
    for (const { mapping } of consumers) {
      const template = mappings.find((candidate) => candidate.logicalId === mapping?.logicalId)?.resource.Properties ?? {};

      expect(mapping?.batchSize).toBe(Number(template['BatchSize'] ?? 10));
      expect(mapping?.maxBatchingWindowMs).toBe(Number(template['MaximumBatchingWindowInSeconds'] ?? 0) * 1000);
    }
  });

  it('gives the handlers and the jobs the environment of the template, resolved to the local names', () => {
    const indexOutput = stacks.flatMap(({ template }) => Object.entries(template.Outputs ?? {})).find(([name]) => name === 'IndexTableName')?.[1];
    const indexTable = created(referenced(indexOutput?.Value));

    for (const { fn } of plan.functions) {
      expect(fn.environment['FRESHINDEX_INDEX_TABLE'], fn.logicalId).toBe(indexTable.kind === 'table' ? indexTable.name : '');
      expect(Object.values(fn.environment).filter((value) => value.startsWith('<')), fn.logicalId).toEqual([]);
    }
    expect(plan.jobEnvironment['FRESHINDEX_INDEX_TABLE']).toBe(indexTable.kind === 'table' ? indexTable.name : '');
    expect(plan.jobEnvironment['FRESHINDEX_CONTROL_TABLE']).toBe(plan.tables.control);
  });

  it('runs the apply, verify and API functions, and leaves out the job monitor (locally there is no AWS Batch to watch)', () => {
    const monitors = Object.values(local.functions).filter((fn) => fn.environment['FRESHINDEX_MONITOR_STUCK_MINUTES'] !== undefined);

    expect(monitors).toHaveLength(1);
    expect(plan.functions.map((planned) => planned.role).sort()).toEqual(['api', 'apply', 'verify']);
  });

  it('reads the rebuild and audit schedules with their job commands', () => {
    expect(plan.schedules.map((schedule) => schedule.args).sort()).toEqual([
      ['audit', '--type', 'movie'],
      ['rebuild', '--type', 'movie'],
    ]);
  });
});

function sortByName<T extends { AttributeName?: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));
}
