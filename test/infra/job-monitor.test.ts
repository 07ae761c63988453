import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

const MARKER = 'FRESHINDEX_MONITOR_STUCK_MINUTES';

/** The logical id of the monitor function. */
function monitorFunction(template: Template): string {
  const [id] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, fn]) => fn['Properties']['Environment']?.['Variables']?.[MARKER] !== undefined) ?? [];
  if (!id) throw new Error('no monitor function');
  return id;
}

describe('the job monitor', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    synthesized = await synthFreshindex();
  }, 60_000);

  it('runs the monitor every five minutes', () => {
    const template = synthesized.computeTemplate;

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [monitorFunction(template), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
  });

  it("runs the monitor on every job of freshindex's job queue that failed", () => {
    const template = synthesized.computeTemplate;

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.batch'], 'detail-type': ['Batch Job State Change'], detail: { jobQueue: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('JobQueue'), 'JobQueueArn'] }], status: ['FAILED'] } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [monitorFunction(template), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [monitorFunction(template), 'Arn'] } });
  });

  it('gives the monitor its job queue, alerts topic, store and thresholds', () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          FRESHINDEX_JOB_QUEUE: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobQueue'), 'JobQueueArn'] },
          FRESHINDEX_ALERTS_TOPIC_ARN: { 'Fn::ImportValue': Match.stringLikeRegexp('AlertsTopic') },
          FRESHINDEX_CONTROL_TABLE: { 'Fn::ImportValue': Match.stringLikeRegexp('ControlTable') },
          FRESHINDEX_MONITOR_STUCK_MINUTES: '30',
          FRESHINDEX_MONITOR_REBUILD_GRACE_MINUTES: '120',
          FRESHINDEX_SCHEDULE_TIMEZONE: 'Etc/UTC',
        }),
      },
    });
  });

  it('lets the monitor read the control table, watch and tag Batch jobs and publish alerts, nothing more', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, MARKER));
    const tag = statements.find((statement) => statement['Action'] === 'batch:TagResource');
    const dynamodb = statements.filter((statement) => JSON.stringify(statement['Action']).includes('dynamodb:'));

    expect(actionsOf(statements).filter((action) => !action.startsWith('kms:') && !action.startsWith('xray:'))).toEqual([
      'batch:DescribeJobs', 'batch:ListJobs', 'batch:TagResource', 'dynamodb:GetItem', 'dynamodb:Query', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sns:Publish',
    ]);
    expect(JSON.stringify(dynamodb.map((statement) => statement['Resource']))).not.toContain('IndexTable');
    expect(JSON.stringify(tag?.['Resource'])).toContain(':job/*');
  });

  it('takes its thresholds and interval from the props, and the time zone of the schedules', async () => {
    const { TimeZone } = await import('aws-cdk-lib');
    const { computeTemplate } = await synthFreshindex({
      compute: { monitor: { stuckAfterMinutes: 45, rebuildGrace: Duration.minutes(90), interval: Duration.minutes(10) }, schedules: { timeZone: TimeZone.EUROPE_BERLIN } },
    });

    computeTemplate.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
    computeTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FRESHINDEX_MONITOR_STUCK_MINUTES: '45', FRESHINDEX_MONITOR_REBUILD_GRACE_MINUTES: '90', FRESHINDEX_SCHEDULE_TIMEZONE: 'Europe/Berlin' }) },
    });
  });

  it('refuses a stuck threshold and an interval out of range, naming both at once', async () => {
    const building = synthFreshindex({ compute: { monitor: { stuckAfterMinutes: 0, interval: Duration.seconds(10) } } });

    await expect(building).rejects.toThrow(/stuckAfterMinutes must be an integer in \[1, 10080\] \(got 0\)[\s\S]*interval must be between 60 and 86400 seconds \(got 10\)/);
  });
});
