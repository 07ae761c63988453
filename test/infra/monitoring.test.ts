import { readFileSync } from 'node:fs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FreshindexMonitoring, loadFreshindexConfig, RUNBOOK_ANCHORS, type FreshindexConfigFile, type FreshindexMonitoringOptions } from '../../lib/index.ts';
import { FIXTURE_CONFIG, synthFreshindex, type Synthesized } from './support.ts';

type Resource = { Properties: Record<string, any> };

/** The fixture's two types, video with a 5 s freshness target and product with the default (60 s). */
async function configWithTargets(): Promise<FreshindexConfigFile> {
  const file = await loadFreshindexConfig(FIXTURE_CONFIG);
  const types = file.config.types.map((type) => (type.name === 'video' ? { ...type, freshnessTargetSeconds: 5 } : type));
  return { ...file, config: { ...file.config, types } };
}

function alarms(template: Template): Resource[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
}

/** The metrics an alarm reads: its own, or those of its metric math. */
function metricsOf(alarm: Resource): Array<{ MetricName: string; Namespace?: string; Dimensions?: Array<{ Name: string; Value: unknown }> }> {
  const props = alarm.Properties;
  if (props['MetricName']) return [{ MetricName: props['MetricName'], Namespace: props['Namespace'], Dimensions: props['Dimensions'] }];
  return (props['Metrics'] as Array<Record<string, any>>).filter((m) => m['MetricStat']).map((m) => m['MetricStat']['Metric']);
}

/** The alarms reading `metricName`, optionally for one `type`. */
function alarmsOn(template: Template, metricName: string, type?: string): Resource[] {
  return alarms(template).filter((alarm) =>
    metricsOf(alarm).some((m) => m.MetricName === metricName && (type === undefined || m.Dimensions?.some((d) => d.Name === 'type' && d.Value === type))),
  );
}

function dimension(alarm: Resource, name: string): unknown {
  return metricsOf(alarm)[0]?.Dimensions?.find((d) => d.Name === name)?.Value;
}

/** GitHub's anchors of the headings of a Markdown file. */
function anchorsOf(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8').split('\n').filter((line) => /^#{1,6} /.test(line));
  return new Set(headings.map((line) => line.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

/** The one dashboard's body, its tokens (ARNs, queue names) replaced by a placeholder. */
function dashboardBody(template: Template): { widgets: Array<{ type: string; properties: Record<string, any> }> } {
  const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as Resource;
  const parts = dashboard.Properties['DashboardBody']['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'token')).join(''));
}

const ALERTS_TOPIC = { 'Fn::ImportValue': expect.stringMatching(/AlertsTopic/) };

describe('the monitoring of a deployment', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    synthesized = await synthFreshindex({ config: await configWithTargets() });
  }, 60_000);

  it('alarms on any message visible on the apply and verify dead-letter queues', () => {
    const dlqAlarms = alarmsOn(synthesized.computeTemplate, 'ApproximateNumberOfMessagesVisible');

    expect(dlqAlarms.map((alarm) => dimension(alarm, 'QueueName'))).toEqual([
      { 'Fn::ImportValue': expect.stringMatching(/ApplyQueueDeadLetterQueue/) },
      { 'Fn::ImportValue': expect.stringMatching(/VerifyQueueDeadLetterQueue/) },
    ]);
    for (const alarm of dlqAlarms) expect(alarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
  });

  it('alarms on the oldest apply-queue message above the smallest freshness target of the types', () => {
    const [age, ...others] = alarmsOn(synthesized.computeTemplate, 'ApproximateAgeOfOldestMessage');

    expect(others).toEqual([]);
    expect(age?.Properties).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Maximum' });
    expect(dimension(age!, 'QueueName')).toEqual({ 'Fn::ImportValue': expect.stringMatching(/ApplyQueue[0-9A-F]{8}QueueName/) });
  });

  it('alarms on the apply and verify functions\' invocation error rate with metric math', () => {
    const errorAlarms = alarmsOn(synthesized.computeTemplate, 'Errors');

    expect(errorAlarms).toHaveLength(2);
    for (const alarm of errorAlarms) {
      expect(metricsOf(alarm).map((m) => m.MetricName).sort()).toEqual(['Errors', 'Invocations']);
      expect(alarm.Properties).toMatchObject({ Threshold: 5, Metrics: expect.arrayContaining([expect.objectContaining({ Expression: expect.stringContaining('100 * FILL(f, 0)') })]) });
    }
  });

  it('alarms per type on the share of failed changes and failed checks', () => {
    for (const type of ['video', 'product']) {
      const [apply] = alarmsOn(synthesized.computeTemplate, 'ApplyFailed', type);
      const [verify] = alarmsOn(synthesized.computeTemplate, 'VerifyFailed', type);

      expect(metricsOf(apply!).map((m) => m.MetricName).sort()).toEqual(['ApplyApplied', 'ApplyFailed', 'ApplyRejected', 'ApplySkippedStale', 'ApplySkippedUnchanged']);
      expect(dimension(apply!, 'service')).toBe('freshindex-apply');
      expect(metricsOf(verify!).map((m) => m.MetricName).sort()).toEqual(['VerifyChecked', 'VerifyFailed']);
      expect(apply?.Properties['Threshold']).toBe(5);
    }
  });

  it('alarms on throttles of the apply, verify, API and job-monitor functions', () => {
    const throttles = alarmsOn(synthesized.computeTemplate, 'Throttles');

    expect(throttles.map((alarm) => alarm.Properties['AlarmName']).sort()).toEqual(['Compute-Throttles-api', 'Compute-Throttles-apply', 'Compute-Throttles-monitor', 'Compute-Throttles-verify']);
    for (const alarm of throttles) expect(alarm.Properties).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 0, Statistic: 'Sum' });
  });

  it('alarms per type on the p99 freshness lag above that type\'s target', () => {
    const [video] = alarmsOn(synthesized.computeTemplate, 'ApplyFreshnessLag', 'video');
    const [product] = alarmsOn(synthesized.computeTemplate, 'ApplyFreshnessLag', 'product');

    expect(video?.Properties).toMatchObject({ ExtendedStatistic: 'p99', Threshold: 5_000, Namespace: 'freshindex', ComparisonOperator: 'GreaterThanThreshold' });
    expect(product?.Properties).toMatchObject({ ExtendedStatistic: 'p99', Threshold: 60_000 });
  });

  it.each([
    ['RebuildFailed', 'freshindex-jobs', 1, 'GreaterThanOrEqualToThreshold'],
    ['MonitorRebuildOverdue', 'freshindex-monitor', 1, 'GreaterThanOrEqualToThreshold'],
    ['AuditDifferences', 'freshindex-jobs', 0, 'GreaterThanThreshold'],
    ['MonitorQuarantined', 'freshindex-monitor', 10, 'GreaterThanThreshold'],
  ])('alarms per type on %s, keeping its state while nothing is published', (metricName, service, threshold, comparison) => {
    for (const type of ['video', 'product']) {
      const found = alarmsOn(synthesized.computeTemplate, metricName, type);

      expect(found).toHaveLength(1);
      expect(found[0]?.Properties).toMatchObject({ Threshold: threshold, ComparisonOperator: comparison, TreatMissingData: 'ignore', Namespace: 'freshindex' });
      expect(dimension(found[0]!, 'service')).toBe(service);
    }
  });

  it('alarms on Batch jobs stuck in RUNNABLE, with no type dimension', () => {
    const [stuck, ...others] = alarmsOn(synthesized.computeTemplate, 'MonitorJobsStuck');

    expect(others).toEqual([]);
    expect(stuck?.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Dimensions: [{ Name: 'service', Value: 'freshindex-monitor' }] });
  });

  it('sends every alarm\'s ALARM and OK to the alerts topic, describing it with a runbook section that exists', () => {
    const anchors = anchorsOf(new URL('../../docs/operations.md', import.meta.url).pathname);
    const all = alarms(synthesized.computeTemplate);

    expect(all.length).toBe(2 + 1 + 2 + 4 + 2 * 7 + 1);
    for (const alarm of all) {
      const description = alarm.Properties['AlarmDescription'] as string;
      const anchor = /Runbook: docs\/operations\.md#([a-z0-9-]+)$/.exec(description)?.[1];
      expect(alarm.Properties).toMatchObject({ AlarmActions: [ALERTS_TOPIC], OKActions: [ALERTS_TOPIC] });
      expect(anchors, `${alarm.Properties['AlarmName']}: ${description}`).toContain(anchor);
      expect(description.replace(/ Runbook: .*$/, '').split(/(?<=\.) /).length, description).toBeLessThanOrEqual(2);
    }
    expect(Object.values(RUNBOOK_ANCHORS).filter((anchor) => !anchors.has(anchor))).toEqual([]);
  });

  it('lets CloudWatch alarms publish on the encrypted alerts topic', () => {
    synthesized.dataTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: Match.stringLikeRegexp('AlertsTopic') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
    synthesized.dataTemplate.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
  });

  it('builds one dashboard with the queues and a row of widgets per type', () => {
    const dashboards = Object.values(synthesized.computeTemplate.findResources('AWS::CloudWatch::Dashboard'));
    const body = dashboardBody(synthesized.computeTemplate);
    const titles = body.widgets.map((widget) => widget.properties['title'] ?? widget.properties['markdown']);
    const metricsOfType = (type: string) => body.widgets.flatMap((widget) => (widget.properties['metrics'] ?? []) as unknown[][]).filter((m) => m.includes('type') && m[m.indexOf('type') + 1] === type).map((m) => m[1]);

    expect(dashboards).toHaveLength(1);
    expect(titles).toEqual(expect.arrayContaining(['Alarms', 'Oldest message age (s)', 'Dead letters waiting', '### video (freshness target 5 s)', '### product (freshness target 60 s)']));
    for (const type of ['video', 'product']) {
      expect(new Set(metricsOfType(type))).toEqual(new Set(['ApplyApplied', 'ApplyFreshnessLag', 'ApplyRejected', 'ApplyDeadLettered', 'VerifyDeadLettered', 'RebuildDurationSeconds', 'RebuildSucceeded', 'RebuildFailed', 'AuditDifferences', 'MonitorQuarantined']));
    }
  });
});

/** FreshindexMonitoring alone in a stack, over stand-in queues, functions and topic. */
async function monitoringAlone(options: FreshindexMonitoringOptions, typeCount = 2, after?: (monitoring: FreshindexMonitoring, stack: Stack) => void): Promise<Template> {
  const { config } = await configWithTargets();
  const types = Array.from({ length: typeCount }, (_, index) => ({ ...config.types[index % config.types.length]!, name: `type-${index}` }));
  const stack = new Stack(new App(), 'Alone');
  const ref = (id: string) => ({ queue: new sqs.Queue(stack, id), deadLetterQueue: new sqs.Queue(stack, `${id}Dlq`), maxReceiveCount: 5, consumerTimeout: Duration.seconds(30) });
  const monitoring = new FreshindexMonitoring(stack, 'Monitoring', {
    ...options,
    types,
    alertsTopic: new sns.Topic(stack, 'Alerts'),
    applyQueue: ref('Apply'),
    verifyQueue: ref('Verify'),
    applyFunction: lambda.Function.fromFunctionName(stack, 'ApplyFn', 'apply'),
    verifyFunction: lambda.Function.fromFunctionName(stack, 'VerifyFn', 'verify'),
  });
  after?.(monitoring, stack);
  return Template.fromStack(stack);
}

describe('the monitoring props', () => {
  it('leaves out an alarm set to false and applies a changed threshold', async () => {
    const { computeTemplate } = await synthFreshindex({ compute: { monitoring: { alarms: { quarantine: false, rebuildOverdue: false, auditDrift: { threshold: 25 } } } } });

    expect(alarmsOn(computeTemplate, 'MonitorQuarantined')).toEqual([]);
    expect(alarmsOn(computeTemplate, 'MonitorRebuildOverdue')).toEqual([]);
    expect(alarmsOn(computeTemplate, 'AuditDifferences').map((alarm) => alarm.Properties['Threshold'])).toEqual([25, 25]);
  });

  it('alarms on the extra dead-letter queues passed in', async () => {
    const template = await monitoringAlone({ extraDeadLetterQueues: { 'alert-delivery': sqs.Queue.fromQueueArn(new Stack(), 'Q', 'arn:aws:sqs:us-east-1:123456789012:delivery-dlq') } });

    expect(alarmsOn(template, 'ApproximateNumberOfMessagesVisible').map((alarm) => [alarm.Properties['AlarmName'], dimension(alarm, 'QueueName')])).toEqual(
      expect.arrayContaining([['Alone-DeadLetters-alert-delivery', 'delivery-dlq']]),
    );
  });

  it('creates no dashboard when asked, and no queue-age alarm when it is off', async () => {
    const template = await monitoringAlone({ dashboard: false, alarms: { applyQueueAge: false } });

    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(alarmsOn(template, 'ApproximateAgeOfOldestMessage')).toEqual([]);
  });

  it('shows the state of every alarm on the dashboard, past the 100 one widget holds', async () => {
    const template = await monitoringAlone({}, 20);
    const shown = dashboardBody(template).widgets.filter((widget) => widget.type === 'alarm').map((widget) => (widget.properties['alarms'] as unknown[] | undefined)?.length);

    expect(alarms(template).length).toBeGreaterThan(100);
    expect(shown.every((count) => count !== undefined && count <= 100)).toBe(true);
    expect(shown.reduce((sum, count) => sum! + count!, 0)).toBe(alarms(template).length);
  });

  it('alarms on and shows a function and a dead-letter queue monitored after it was built', async () => {
    const template = await monitoringAlone({}, 2, (monitoring, stack) => {
      monitoring.monitorFunction('alert-delivery', lambda.Function.fromFunctionName(stack, 'DeliveryFn', 'delivery'));
      monitoring.monitorDeadLetterQueue('alert-delivery', new sqs.Queue(stack, 'DeliveryDlq'));
    });
    const body = dashboardBody(template);
    const shown = body.widgets.filter((widget) => widget.type === 'alarm').flatMap((widget) => widget.properties['alarms'] as unknown[]);
    const deadLetterLabels = body.widgets.find((widget) => widget.properties['title'] === 'Dead letters waiting')?.properties['metrics'].map((m: unknown[]) => (m.at(-1) as { label: string }).label);

    expect(alarms(template).map((alarm) => alarm.Properties['AlarmName'])).toEqual(expect.arrayContaining(['Alone-Throttles-alert-delivery', 'Alone-DeadLetters-alert-delivery']));
    expect(shown).toHaveLength(alarms(template).length);
    expect(deadLetterLabels).toEqual(['apply', 'verify', 'alert-delivery']);
  });

  it('refuses bad alarm props at once, naming each', async () => {
    const alarms = { quarantine: { threshold: -1 }, errorRate: { threshold: 100 }, deadLeters: {}, rebuildFailed: { treshold: 2 } };

    await expect(monitoringAlone({ alarms: alarms as never, extraDeadLetterQueues: { 'bad name': sqs.Queue.fromQueueArn(new Stack(), 'Q', 'arn:aws:sqs:us-east-1:123456789012:q') } })).rejects.toThrow(
      /alarms\.quarantine\.threshold must be an integer in \[0, \d+\] \(got -1\)[\s\S]*alarms\.errorRate\.threshold[\s\S]*alarms\.deadLeters is not an alarm[\s\S]*alarms\.rebuildFailed has unknown settings: treshold[\s\S]*"bad name" is not a short name/,
    );
  });
});
