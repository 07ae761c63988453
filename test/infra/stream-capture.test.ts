import { Duration } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFreshindexConfig, type FreshindexConfigFile } from '../../lib/index.ts';
import { actionsOf, buildFreshindex, roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

const CAPTURE_CONFIG = fileURLToPath(new URL('./fixtures/stream-capture.config.ts', import.meta.url));
const PRODUCTS_STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/catalog-products/stream/2026-11-01T00:00:00.000';
const SELLERS_STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/catalog-sellers/stream/2026-11-02T00:00:00.000';

describe('the DynamoDB Streams capture', () => {
  let config: FreshindexConfigFile;
  let synthesized: Synthesized;
  beforeAll(async () => {
    config = await loadFreshindexConfig(CAPTURE_CONFIG);
    synthesized = await synthFreshindex({ config, compute: { streamCapture: { streamArns: { seller: SELLERS_STREAM } } } });
  }, 60_000);

  it('reads each captured table’s stream (and no other) in batches, from the trim horizon, with partial failures, bisection, bounded retries and an on-failure queue', () => {
    const template = synthesized.computeTemplate;
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((mapping) => mapping['Properties']).filter((mapping) => String(mapping['EventSourceArn']).includes('/stream/'));

    expect(mappings.map((mapping) => mapping['EventSourceArn']).sort()).toEqual([PRODUCTS_STREAM, SELLERS_STREAM]);
    for (const mapping of mappings) {
      expect(mapping).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        MaximumRetryAttempts: 10,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/StreamCaptureDeadLetterQueue/), 'Arn'] } } },
      });
    }
  });

  it('publishes to the change topic and names its dead-letter queue', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          FRESHINDEX_CHANGE_TOPIC_ARN: { 'Fn::ImportValue': Match.stringLikeRegexp('ChangeTopic') },
          FRESHINDEX_CAPTURE_DLQ_URL: { Ref: Match.stringLikeRegexp('StreamCaptureDeadLetterQueue') },
        }),
      },
    });
  });

  it('may read the two streams, publish to the change topic with its key and send to its dead-letter queue: nothing broader', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_CAPTURE_DLQ_URL'));

    expect(actionsOf(statements)).toEqual([
      'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams',
      'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*',
      'logs:CreateLogStream', 'logs:PutLogEvents',
      'sns:Publish',
      'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
      'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    const resourcesOf = (action: string) => statements.filter((statement) => [statement['Action']].flat().includes(action)).flatMap((statement) => [statement['Resource']].flat());
    expect(resourcesOf('dynamodb:GetRecords').sort()).toEqual([PRODUCTS_STREAM, SELLERS_STREAM]);
    expect(resourcesOf('dynamodb:ListStreams')).toEqual(['*']);
    expect(resourcesOf('sns:Publish')).toEqual([{ 'Fn::ImportValue': expect.stringMatching(/ChangeTopic/) }]);
    expect(resourcesOf('sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/StreamCaptureDeadLetterQueue/), 'Arn'] }]);
  });

  it('is watched by the deployment’s alarms: messages on its dead-letter queue', () => {
    const alarms = Object.values(synthesized.computeTemplate.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm['Properties']);
    const dlq = alarms.find((alarm) => alarm['MetricName'] === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(alarm['Dimensions']).includes('StreamCaptureDeadLetterQueue'));
    expect(dlq).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('passes the cdk-nag AwsSolutions checks with nothing unacknowledged', async () => {
    const { compute } = await buildFreshindex({ config, compute: { streamCapture: { streamArns: { seller: SELLERS_STREAM } } } });

    expect(new AwsSolutionsChecks(compute).validateScope(compute).violations).toEqual([]);
  });

  it('stops the synth on a captured table without a stream ARN, naming the type and where to find the ARN', async () => {
    const { compute } = await buildFreshindex({ config });

    Annotations.fromStack(compute).hasError('*', Match.stringLikeRegexp('type "seller": no stream ARN for table catalog-sellers: set source.capture.streamArn \\(aws dynamodb describe-table --table-name catalog-sellers --query Table.LatestStreamArn\\)'));
  });

  it('refuses bad props, naming each problem', async () => {
    const build = buildFreshindex({ config, compute: { streamCapture: { streamArns: { seller: SELLERS_STREAM, sellers: SELLERS_STREAM }, batchSize: 20_000, maxBatchingWindow: Duration.minutes(10) } } });

    await expect(build).rejects.toThrow(/streamArns: "sellers" is no type of the config\n {2}- batchSize must be an integer in \[1, 10000\] \(got 20000\)\n {2}- maxBatchingWindow must be between 0 and 300 seconds/);
  });

  it('creates no capture function when no type captures a stream', async () => {
    const { computeTemplate } = await synthFreshindex();

    expect(Object.values(computeTemplate.findResources('AWS::Lambda::Function')).some((fn) => fn['Properties']['Environment']['Variables']['FRESHINDEX_CAPTURE_DLQ_URL'])).toBe(false);
  });
});
