import { Duration } from 'aws-cdk-lib';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

describe('the compute stack', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    synthesized = await synthFreshindex();
  }, 60_000);

  it('runs every function on Node.js 24 and arm64 with active tracing and its own log group', () => {
    const template = synthesized.computeTemplate;
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('feeds the apply function in batches of 100 gathered for 1/60 of the default 60 s freshness target, reporting partial batch failures', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('ApplyQueue') },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('feeds the verify function from the verify queue in batches of 100 gathered for a tenth of the shortest settle delay (45 s), reporting partial batch failures', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('VerifyQueue') },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 4,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives the apply function its tables, its dead-letter queue and the redrive count', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          FRESHINDEX_INDEX_TABLE: { 'Fn::ImportValue': Match.stringLikeRegexp('IndexTable') },
          FRESHINDEX_CONTROL_TABLE: { 'Fn::ImportValue': Match.stringLikeRegexp('ControlTable') },
          FRESHINDEX_APPLY_DLQ_URL: { 'Fn::ImportValue': Match.stringLikeRegexp('ApplyQueueDeadLetterQueue') },
          FRESHINDEX_MAX_RECEIVE_COUNT: '5',
        }),
      },
      Timeout: 30,
    });
  });

  it('lets the apply function use the two tables, send to its dead-letter queue and read the sources, nothing more', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_APPLY_DLQ_URL'));

    expect(actionsOf(statements)).toEqual([
      'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable',
      'dynamodb:GetItem', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan',
      'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*',
      'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage',
      'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:SendMessage', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    const wildcards = statements.filter((statement) => [statement['Resource']].flat().includes('*'));
    expect(actionsOf(wildcards)).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('scopes source reads to the HTTP source secret and the DynamoDB source table', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_APPLY_DLQ_URL'));
    const secret = statements.find((statement) => statement['Action'] === 'secretsmanager:GetSecretValue');
    const sourceTable = statements.find((statement) => JSON.stringify(statement['Resource']).includes('table/catalog-products'));

    expect(JSON.stringify(secret?.['Resource'])).toContain(':secret:cms/api-token-??????');
    expect(actionsOf(sourceTable ? [sourceTable] : [])).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']);
  });

  it('lets the verify function requeue checks, dead-letter poison messages and publish alerts', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_VERIFY_DLQ_URL'));
    const sendTargets = statements.filter((statement) => [statement['Action']].flat().includes('sqs:SendMessage')).flatMap((s) => [s['Resource']].flat());

    expect(JSON.stringify(sendTargets)).toMatch(/DataVerifyQueue[0-9A-F]{8}Arn/);
    expect(JSON.stringify(sendTargets)).toMatch(/VerifyQueueDeadLetterQueue/);
    expect(actionsOf(statements)).toContain('sns:Publish');
  });

  it('lets the apply function schedule the checks of the changes it receives on the verify queue, with the queue key', () => {
    const template = synthesized.computeTemplate;
    const role = roleOfFunctionWithEnv(template, 'FRESHINDEX_APPLY_DLQ_URL');
    const statements = statementsOfRole(template, role);
    const sendTargets = statements.filter((statement) => [statement['Action']].flat().includes('sqs:SendMessage')).flatMap((s) => [s['Resource']].flat());
    const [apply] = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) => fn['Properties']['Role']['Fn::GetAtt'][0] === role);

    expect(JSON.stringify(apply?.['Properties']['Environment']['Variables']['FRESHINDEX_VERIFY_QUEUE_URL'])).toMatch(/RefDataVerifyQueue[0-9A-F]{8}/);
    expect(JSON.stringify(sendTargets)).toMatch(/DataVerifyQueue[0-9A-F]{8}Arn/);
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*']));
  });

  it('runs the jobs on Fargate in the private subnets of a VPC with flow logs', () => {
    const template = synthesized.computeTemplate;
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      ComputeResources: Match.objectLike({ Type: 'FARGATE', MaxvCpus: 16, Subnets: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      ComputeEnvironmentOrder: [{ ComputeEnvironment: Match.anyValue(), Order: 1 }],
    });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
  });

  it('defines the job for arm64 Fargate running node dist/job.mjs with the tables and topics', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'container',
      PlatformCapabilities: ['FARGATE'],
      RetryStrategy: { Attempts: 2 },
      Timeout: { AttemptDurationSeconds: 6 * 3600 },
      ContainerProperties: Match.objectLike({
        Command: ['node', 'dist/job.mjs', 'rebuild'],
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        ReadonlyRootFilesystem: true,
        NetworkConfiguration: { AssignPublicIp: 'DISABLED' },
        Environment: Match.arrayWith([
          { Name: 'FRESHINDEX_INDEX_TABLE', Value: Match.anyValue() },
          { Name: 'FRESHINDEX_NOTIFICATIONS_TOPIC_ARN', Value: Match.anyValue() },
        ]),
      }),
    });
  });

  it('schedules a rebuild and an audit per type from the config, with its defaults', () => {
    const template = synthesized.computeTemplate;
    const expressions = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((schedule) => {
      const parts = schedule['Properties']['Target']['Input']['Fn::Join'][1] as unknown[];
      const input = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'token')).join('')) as {
        ContainerOverrides: { Command: string[] };
      };
      return `${input.ContainerOverrides.Command.join(' ')} @ ${schedule['Properties']['ScheduleExpression']}`;
    });

    expect(expressions.sort()).toEqual([
      'node dist/job.mjs audit --type product @ rate(12 hours)',
      'node dist/job.mjs audit --type video @ rate(6 hours)',
      'node dist/job.mjs rebuild --type product @ cron(30 2 * * ? *)',
      'node dist/job.mjs rebuild --type video @ cron(0 3 * * ? *)',
    ]);
    template.allResourcesProperties('AWS::Scheduler::Schedule', {
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:batch:submitJob']] } }),
    });
  });

  it('lets the schedules submit this job to this queue and nothing else', () => {
    const template = synthesized.computeTemplate;
    const role = new Capture();
    template.hasResourceProperties('AWS::Scheduler::Schedule', { Target: Match.objectLike({ RoleArn: { 'Fn::GetAtt': [role, 'Arn'] } }) });

    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role.asString() }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'batch:SubmitJob',
            Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('JobQueue'), 'JobQueueArn'] }, { Ref: Match.stringLikeRegexp('JobDefinition') }],
          },
        ],
      },
    });
  });

  it('requires IAM authorization on every route of the ops API', () => {
    const template = synthesized.computeTemplate;
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));

    expect(routes.length).toBeGreaterThan(0);
    expect(routes.map((route) => route['Properties']['AuthorizationType'])).toEqual(routes.map(() => 'AWS_IAM'));
  });

  it('throttles the API stage and logs every request', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('identity.userArn') },
    });
  });

  it('caps the concurrency of both event sources by default, so a backlog cannot take the account', () => {
    const template = synthesized.computeTemplate;

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('ApplyQueue') }, ScalingConfig: { MaximumConcurrency: 50 } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('VerifyQueue') }, ScalingConfig: { MaximumConcurrency: 20 } });
  });

  it('lets the API function call exactly what it calls on each table, and nothing of streams or schemas', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_JOB_DEFINITION'));
    const on = (table: string) => actionsOf(statements.filter((statement) => JSON.stringify(statement['Resource']).includes(table) && JSON.stringify(statement['Action']).includes('dynamodb:')));

    expect(on('IndexTable')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan']);
    expect(on('ControlTable')).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  });

  it('lets the API function use the tables and submit this job, and publish nothing (its queue grants: api-dead-letters.test.ts)', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_JOB_DEFINITION'));
    const submit = statements.find((statement) => statement['Action'] === 'batch:SubmitJob');

    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['batch:SubmitJob', 'dynamodb:PutItem', 'dynamodb:Query']));
    expect(actionsOf(statements).filter((action) => /^sns:/.test(action))).toEqual([]);
    expect(JSON.stringify(submit?.['Resource'])).toMatch(/JobQueue.*JobDefinition/);
  });

  it('lets the API function read metrics for the console (GetMetricData) and write none', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_JOB_DEFINITION'));

    expect(actionsOf(statements).filter((action) => action.startsWith('cloudwatch:'))).toEqual(['cloudwatch:GetMetricData']);
  });
});

describe('the compute stack props', () => {
  it('passes batch size, batching window and concurrency to the apply event source', async () => {
    const { computeTemplate } = await synthFreshindex({
      compute: { apply: { batchSize: 100, maxBatchingWindow: Duration.seconds(2), maxConcurrency: 20 } },
    });

    computeTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('ApplyQueue') },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('reports every conflicting consumer prop in one error', async () => {
    const synth = synthFreshindex({ compute: { apply: { batchSize: 50, maxConcurrency: 1 } } });

    await expect(synth).rejects.toThrow(/batchSize 50 is above 10: set maxBatchingWindow[\s\S]*maxConcurrency must be an integer in \[2, 1000\]/);
  });

  it('refuses a batching window that the queue\'s visibility timeout cannot hold with the function\'s timeout', async () => {
    const synth = synthFreshindex({ compute: { apply: { batchSize: 100, maxBatchingWindow: Duration.seconds(200) } } });

    await expect(synth).rejects.toThrow(/a batching window of 200 s and a function timeout of 30 s pass the queue's visibility timeout \(180 s\)[\s\S]*150 s or less/);
  });

  it('sizes the function timeout from the queue it consumes', async () => {
    const { computeTemplate } = await synthFreshindex({ data: { verifyQueue: { consumerTimeout: Duration.seconds(90) } } });

    computeTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 90,
      Environment: { Variables: Match.objectLike({ FRESHINDEX_VERIFY_DLQ_URL: Match.anyValue() }) },
    });
  });
});
