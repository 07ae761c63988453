import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FreshindexComputeProps, FreshindexDataStack } from '../../lib/index.ts';
import { actionsOf, buildFreshindex, roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

const SLACK_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:freshindex/slack-AbCdEf';

/** Two destinations: one secret by full ARN, one by name. */
const withAlerts = (data: FreshindexDataStack): Partial<FreshindexComputeProps> => ({
  alerts: {
    destinations: [
      { name: 'oncall', service: 'slack', secret: secretsmanager.Secret.fromSecretCompleteArn(data, 'Slack', SLACK_ARN) },
      { name: 'ops-dingtalk', service: 'dingtalk', secret: secretsmanager.Secret.fromSecretNameV2(data, 'DingTalk', 'freshindex/dingtalk') },
    ],
  },
});

describe('the alert-delivery function', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    synthesized = await synthFreshindex({ compute: withAlerts });
  }, 60_000);

  it('is watched by the deployment\'s alarms: messages on its dead-letter queue and its throttles', () => {
    const alarms = Object.values(synthesized.computeTemplate.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm['Properties']);
    const names = alarms.map((alarm) => String(alarm['AlarmName']));

    expect(names).toContain('Compute-Throttles-alert-delivery');
    const dlq = alarms.find((alarm) => alarm['MetricName'] === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(alarm['Dimensions']).includes('AlertsDeadLetterQueue'));
    expect(dlq).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('subscribes to the alerts topic as a Lambda subscription (no confirmation needed)', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { 'Fn::ImportValue': Match.stringLikeRegexp('AlertsTopic') },
    });
  });

  it('names its destinations and their secrets, its dead-letter queue, the API URL and the apply and verify log groups', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          FRESHINDEX_ALERT_DESTINATIONS: Match.anyValue(),
          FRESHINDEX_ALERT_DLQ_URL: { Ref: Match.stringLikeRegexp('AlertsDeadLetterQueue') },
          FRESHINDEX_API_URL: Match.anyValue(),
          FRESHINDEX_LOG_GROUPS: Match.anyValue(),
        }),
      },
    });
    const fn = Object.values(synthesized.computeTemplate.findResources('AWS::Lambda::Function')).find((candidate) => candidate['Properties']['Environment']['Variables']['FRESHINDEX_ALERT_DLQ_URL']);
    const destinations = JSON.stringify(synthesized.compute.resolve(fn!['Properties']['Environment']['Variables']['FRESHINDEX_ALERT_DESTINATIONS']));
    expect(destinations).toContain(`{\\"name\\":\\"oncall\\",\\"service\\":\\"slack\\",\\"secretId\\":\\"${SLACK_ARN}\\"}`);
    expect(destinations).toContain('{\\"name\\":\\"ops-dingtalk\\",\\"service\\":\\"dingtalk\\",\\"secretId\\":\\"freshindex/dingtalk\\"}');
  });

  it('may read its two secrets, send to its dead-letter queue with its key, and write its logs: nothing broader', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_ALERT_DLQ_URL'));

    expect(actionsOf(statements)).toEqual([
      'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*',
      'logs:CreateLogStream', 'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
      'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    const resourcesOf = (prefix: string) => statements.filter((statement) => [statement['Action']].flat().some((action) => String(action).startsWith(prefix))).flatMap((statement) => [statement['Resource']].flat());
    expect(resourcesOf('secretsmanager:')).toEqual([SLACK_ARN, { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:freshindex/dingtalk-??????']] }]);
    expect(resourcesOf('sqs:')).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/AlertsDeadLetterQueue/), 'Arn'] }]);
    expect(resourcesOf('kms:')).toEqual([{ 'Fn::ImportValue': expect.stringMatching(/QueueKey/) }]);
    expect(resourcesOf('xray:')).toEqual(['*']);
  });

  it('keeps failed deliveries in its own encrypted, TLS-only dead-letter queue, also the destination of invocations that failed', () => {
    const template = synthesized.computeTemplate;
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('QueueKey') }, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      Queues: [{ Ref: Match.stringLikeRegexp('AlertsDeadLetterQueue') }],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsDeadLetterQueue'), 'Arn'] } } },
    });
  });

  it('passes the cdk-nag AwsSolutions checks with nothing unacknowledged', async () => {
    const { compute } = await buildFreshindex({ compute: withAlerts });

    expect(new AwsSolutionsChecks(compute).validateScope(compute).violations).toEqual([]);
  });

  it('creates no delivery function without destinations', async () => {
    const { computeTemplate } = await synthFreshindex();

    computeTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(Object.values(computeTemplate.findResources('AWS::Lambda::Function')).some((fn) => fn['Properties']['Environment']['Variables']['FRESHINDEX_ALERT_DLQ_URL'])).toBe(false);
  });

  it('refuses destinations named twice or of an unknown service, naming each problem', async () => {
    const build = buildFreshindex({
      compute: (data) => {
        const secret = secretsmanager.Secret.fromSecretCompleteArn(data, 'Secret', SLACK_ARN);
        return { alerts: { destinations: [{ name: 'oncall', service: 'slack', secret }, { name: 'oncall', service: 'pagerduty' as 'slack', secret }] } };
      },
    });

    await expect(build).rejects.toThrow(/destinations: "oncall" is named twice\n {2}- destinations: "oncall" has service "pagerduty", not one of slack, teams, dingtalk, feishu, webhook/);
  });

  it('refuses a chat webhook among the HTTPS subscriptions of the alerts topic, pointing to alert destinations', async () => {
    const build = buildFreshindex({ data: { alertWebhookUrls: ['https://hooks.slack.com/services/T000/B000/XXXX', 'https://events.pagerduty.com/integration/abc/enqueue'] } });

    await expect(build).rejects.toThrow(/"https:\/\/hooks\.slack\.com\/services\/T000\/B000\/XXXX" is a slack webhook, which cannot confirm an SNS subscription: give it to the compute props' alerts\.destinations/);
  });
});
