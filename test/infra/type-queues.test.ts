import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFreshindexConfig } from '../../lib/index.ts';
import { FANOUT_FIXTURE_CONFIG, synthFreshindex, type Synthesized } from './support.ts';

/** Each sqs subscription's filter policy, by the queue it feeds (`ApplyQueue-product`, `VerifyQueue`...). */
function filterPolicies(synthesized: Synthesized): Record<string, unknown> {
  const subscriptions = synthesized.dataTemplate.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'sqs' } });
  const queues = synthesized.data.resources.node.findAll().filter((node) => /\/(ApplyQueue(-[a-z]+)?|VerifyQueue)\/Queue$/.test(node.node.path));
  const byLogicalId = new Map(queues.map((node) => [synthesized.data.getLogicalId((node.node.defaultChild ?? node) as never), node.node.path.split('/').at(-2) as string]));
  return Object.fromEntries(
    Object.values(subscriptions).map((subscription) => {
      const endpoint = (subscription.Properties.Endpoint as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      return [byLogicalId.get(endpoint) ?? endpoint, subscription.Properties.FilterPolicy];
    }),
  );
}

describe('per-type apply queues', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    synthesized = await synthFreshindex({ config: await loadFreshindexConfig(FANOUT_FIXTURE_CONFIG) });
  }, 120_000);

  it('subscribes each queue to the change topic with a filter on the type attribute', () => {
    expect(filterPolicies(synthesized)).toEqual({
      'ApplyQueue-product': { type: ['product', 'brand'] },
      'ApplyQueue-click': { type: ['click'] },
      // The shared queue takes everything else, messages without a type included (dead-lettered as unknown there).
      ApplyQueue: { type: [{ 'anything-but': ['brand', 'click', 'product'] }, { exists: false }] },
      // No VerifyQueue: the apply functions schedule the checks there.
    });
  });

  it('gives each own queue a dead-letter queue and a redrive policy', () => {
    const queues = synthesized.dataTemplate.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } });
    expect(Object.keys(queues).filter((id) => /ApplyQueue(product|click)Queue/.test(id))).toHaveLength(2);
  });

  it('feeds each own queue to its own apply function with the type’s batch size and batching window', () => {
    const template = synthesized.computeTemplate;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('ApplyQueueproductQueue') },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('ApplyQueueclickQueue') },
      BatchSize: 1,
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  it('gives the shared queue, whose props set no batching, a window of 1/60 of its types’ tightest freshness target', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('DataApplyQueue[0-9A-F]{8}Arn') },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
    });
  });

  it('has each apply function apply only its queue’s types and dead-letter to its own queue', () => {
    const functions = synthesized.computeTemplate.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { FRESHINDEX_APPLY_TYPES: Match.anyValue() } } } });
    const served = Object.values(functions).map((fn) => {
      const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
      return [variables['FRESHINDEX_APPLY_TYPES'], JSON.stringify(variables['FRESHINDEX_APPLY_DLQ_URL']).match(/ApplyQueue(\w*?)DeadLetterQueue/)?.[1]];
    });
    expect(served.sort()).toEqual([
      ['article', ''],
      ['click', 'click'],
      ['product', 'product'],
    ]);
  });

  it('alarms on each own queue’s dead letters, naming the dlq command for them, and its function’s throttles', () => {
    const template = synthesized.computeTemplate;
    for (const type of ['product', 'click']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `Compute-DeadLetters-apply-${type}`,
        AlarmDescription: Match.stringLikeRegexp(`freshindex dlq list --queue apply:${type},`),
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::ImportValue': Match.stringLikeRegexp(`ApplyQueue${type}DeadLetterQueue`) } }],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `Compute-Throttles-apply-${type}` });
    }
  });

  it('alarms on the age of each own queue at its type\'s freshness target, and on the shared queue at the others\' smallest', () => {
    const ages = synthesized.computeTemplate.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ApproximateAgeOfOldestMessage' } });
    const thresholds = Object.fromEntries(Object.values(ages).map((alarm) => [alarm.Properties.AlarmName, alarm.Properties.Threshold]));

    expect(thresholds).toEqual({ 'Compute-ApplyQueueAge': 60, 'Compute-ApplyQueueAge-product': 60, 'Compute-ApplyQueueAge-click': 5 });
  });

  it('lets every apply function schedule the checks of its changes, derived ones included, on the verify queue', () => {
    const functions = synthesized.computeTemplate.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { FRESHINDEX_APPLY_TYPES: Match.anyValue() } } } });
    const verifyUrls = Object.values(functions).map((fn) => JSON.stringify((fn.Properties.Environment.Variables as Record<string, unknown>)['FRESHINDEX_VERIFY_QUEUE_URL']));

    expect(verifyUrls).toHaveLength(3);
    expect(verifyUrls.every((url) => /VerifyQueue/.test(url))).toBe(true);
    // Each apply function's policy may send to the verify queue (the queue's ARN from the data stack).
    const policies = Object.entries(synthesized.computeTemplate.findResources('AWS::IAM::Policy')).filter(([id]) => /Apply/.test(id));
    const sending = policies.filter(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>).some((statement) => JSON.stringify(statement.Action).includes('sqs:SendMessage') && /VerifyQueue/.test(JSON.stringify(statement.Resource))),
    );
    expect(sending).toHaveLength(3);
  });
});

describe('per-type apply queues under batching set for the shared queue', () => {
  it('keeps an own queue’s batching, with no window when it has none, whatever the shared queue’s props say', async () => {
    const { computeTemplate } = await synthFreshindex({
      config: await loadFreshindexConfig(FANOUT_FIXTURE_CONFIG),
      compute: { apply: { batchSize: 200, maxBatchingWindow: Duration.seconds(20) } },
    });

    computeTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('ApplyQueueclickQueue') },
      BatchSize: 1,
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
    computeTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('DataApplyQueue[0-9A-F]{8}Arn') },
      BatchSize: 200,
      MaximumBatchingWindowInSeconds: 20,
    });
  }, 120_000);
});
