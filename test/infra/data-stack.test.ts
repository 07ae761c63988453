import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthFreshindex, type Synthesized } from './support.ts';

describe('the data stack', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    synthesized = await synthFreshindex();
  }, 60_000);

  it('keys the index table by a generation\'s bucket partition (pk) and the id (sk), on demand, encrypted, with PITR and TTL', () => {
    synthesized.dataTemplate.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([{ AttributeName: 'sk', AttributeType: 'S' }]),
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('keys the control table by pk and sk, both strings, with the same protections', () => {
    synthesized.dataTemplate.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        AttributeDefinitions: Match.arrayWith([{ AttributeName: 'sk', AttributeType: 'S' }]),
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
      DeletionPolicy: 'Retain',
    });
  });

  it('encrypts every topic with the rotating topic key and refuses publishers without TLS', () => {
    const key = new Capture();
    synthesized.dataTemplate.resourceCountIs('AWS::SNS::Topic', 3);
    synthesized.dataTemplate.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    synthesized.dataTemplate.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(key.asString()).toMatch(/TopicKey/);
    synthesized.dataTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the apply queue to the change topic with raw message delivery, and not the verify queue (the apply function schedules the checks)', () => {
    const subscriptions = Object.values(synthesized.dataTemplate.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'sqs' } }));

    expect(subscriptions.map((subscription) => subscription['Properties'])).toEqual([
      expect.objectContaining({ RawMessageDelivery: true, TopicArn: { Ref: expect.stringMatching(/ChangeTopic/) }, Endpoint: { 'Fn::GetAtt': [expect.stringMatching(/ApplyQueue/), 'Arn'] } }),
    ]);
  });

  it('lets SNS use the key only for this stack\'s topics when it delivers to the encrypted queues', () => {
    synthesized.dataTemplate.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('ChangeTopic') } } },
          }),
        ]),
      },
    });
  });

  it('encrypts every queue with the queue key and refuses requests without TLS', () => {
    synthesized.dataTemplate.resourceCountIs('AWS::SQS::Queue', 4);
    synthesized.dataTemplate.allResourcesProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('QueueKey'), 'Arn'] } });
    synthesized.dataTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('redrives a message to its dead-letter queue after five receives by default and holds it six times the function timeout', () => {
    synthesized.dataTemplate.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { VisibilityTimeout: 180, RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() } },
      2,
    );
    synthesized.dataTemplate.resourcePropertiesCountIs('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600 }, 2);
  });

  it('delays the verify queue by the shortest settle delay of the config', () => {
    synthesized.dataTemplate.hasResourceProperties('AWS::SQS::Queue', { DelaySeconds: 45, RedrivePolicy: Match.anyValue() });
  });

  it('outputs what readers and publishers need', () => {
    const outputs = synthesized.dataTemplate.toJSON()['Outputs'] as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['IndexTableName', 'ControlTableName', 'ChangeTopicArn', 'TopicKeyArn']));
  });
});

describe('the data stack props', () => {
  it('applies maxReceiveCount and the consumer timeout to the apply queue', async () => {
    const { dataTemplate } = await synthFreshindex({
      data: { applyQueue: { maxReceiveCount: 7, consumerTimeout: Duration.seconds(40) } },
    });

    dataTemplate.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 240, RedrivePolicy: Match.objectLike({ maxReceiveCount: 7 }) });
  });

  it('subscribes alert emails and HTTPS webhooks to the alerts topic', async () => {
    const { dataTemplate } = await synthFreshindex({
      data: { alertEmails: ['oncall@example.com'], alertWebhookUrls: ['https://hooks.example.com/freshindex'] },
    });

    dataTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    dataTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://hooks.example.com/freshindex' });
  });

  it('reports every invalid alert endpoint in one error', async () => {
    const synth = synthFreshindex({ data: { alertEmails: ['not-an-email'], alertWebhookUrls: ['http://insecure.example.com'] } });

    await expect(synth).rejects.toThrow(/not-an-email[\s\S]*http:\/\/insecure\.example\.com/);
  });

  it('refuses a verify delivery delay above the SQS maximum of 900 seconds', async () => {
    const synth = synthFreshindex({ data: { verifyDeliveryDelay: Duration.seconds(901) } });

    await expect(synth).rejects.toThrow(/verifyDeliveryDelay must be between 0 and 900 seconds/);
  });

  it('lets the tables be destroyed when asked', async () => {
    const { dataTemplate } = await synthFreshindex({ data: { tableRemovalPolicy: RemovalPolicy.DESTROY, tableDeletionProtection: false } });

    dataTemplate.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });
});
