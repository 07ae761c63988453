import { describe, expect, it } from 'vitest';
import { alertViewOf, type LinkSettings } from '../../../lambdas/core/alerts/index.ts';

const SETTINGS: LinkSettings = { region: 'eu-west-1', apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/', logGroups: ['/aws/lambda/fi-apply', '/aws/lambda/fi-verify'] };

const alert = (fields: Record<string, unknown>) =>
  JSON.stringify({ kind: 'resource-quarantined', severity: 'warning', type: 'movie', summary: 'movie/m-1 quarantined', action: 'Fix the transform.', details: {}, at: '2026-12-01T10:00:00.000Z', ...fields });

describe('the alert view', () => {
  it('names the CLI commands of a quarantined resource with the API endpoint', () => {
    const view = alertViewOf({ message: alert({ id: 'm-1' }) }, SETTINGS);

    expect(view.commands).toEqual([
      'freshindex get movie m-1 --endpoint https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      'freshindex reindex movie m-1 --endpoint https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      'freshindex quarantine release movie m-1 --endpoint https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
    ]);
  });

  it('carries the details its action points to, lists and objects included, each cut to a readable length', () => {
    const seen = [{ at: '2026-12-01T09:58:00.000Z', difference: { kind: 'content', summary: 'title differs' } }];
    const view = alertViewOf({ message: alert({ id: 'm-1', action: 'Read the differences below.', details: { seen, reason: 'drifted 3 times', samples: Array.from({ length: 200 }, (_, i) => `m-${i}`) } }) }, SETTINGS);

    expect(view.facts).toContainEqual({ name: 'seen', value: JSON.stringify(seen) });
    expect(view.facts).toContainEqual({ name: 'reason', value: 'drifted 3 times' });
    const samples = view.facts.find((fact) => fact.name === 'samples')?.value ?? '';
    expect(samples.startsWith('["m-0","m-1"')).toBe(true);
    expect(samples.length).toBeLessThanOrEqual(400);
  });

  it('quotes a resource id the shell would split', () => {
    const view = alertViewOf({ message: alert({ id: "it's a film" }) }, { region: 'eu-west-1' });

    expect(view.commands[0]).toBe(`freshindex get movie 'it'\\''s a film'`);
  });

  it('links a Logs Insights query for the change over the apply and verify log groups, around the alert', () => {
    const view = alertViewOf({ message: alert({ id: 'm-1' }) }, SETTINGS);

    const link = view.links.find((candidate) => candidate.label === 'Logs of the change');
    expect(link?.url).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#logsV2:logs-insights\$3FqueryDetail\$3D~\(/);
    expect(link?.url).toContain("source~(~'*2faws*2flambda*2ffi-apply~'*2faws*2flambda*2ffi-verify)");
    expect(link?.url).toContain('filter*20type*20*3d*20*22movie*22*20and*20id*20*3d*20*22m-1*22');
    expect(link?.url).toContain("start~'2026-12-01T09*3a00*3a00.000Z");
  });

  it('links the console page of the Batch job a monitor alert names', () => {
    const message = alert({ kind: 'batch-job-failed', severity: 'critical', details: { jobId: '4f1c-77', jobName: 'freshindex-rebuild-movie', jobQueue: 'q', statusReason: 'Essential container exited', logStreamName: 's' } });

    const view = alertViewOf({ message }, SETTINGS);

    expect(view.links[0]).toEqual({ label: 'Batch job', url: 'https://eu-west-1.console.aws.amazon.com/batch/home?region=eu-west-1#jobs/detail/4f1c-77' });
    expect(view.facts).toContainEqual({ name: 'statusReason', value: 'Essential container exited' });
    expect(view.commands[0]).toBe('freshindex status movie --endpoint https://abc.execute-api.eu-west-1.amazonaws.com/prod/');
  });

  it('reads a CloudWatch alarm notification: its type dimension, its description as what to do, its console page', () => {
    const message = JSON.stringify({
      AlarmName: 'FreshindexCompute-DeadLetters-apply',
      AlarmDescription: 'Messages are waiting on the apply dead-letter queue. List them with freshindex dlq list --queue apply. Runbook: docs/operations.md#apply-dead-letters',
      AlarmArn: 'arn:aws:cloudwatch:us-west-2:123456789012:alarm:FreshindexCompute-DeadLetters-apply',
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).',
      OldStateValue: 'OK',
      StateChangeTime: '2026-12-01T10:00:00.000+0000',
      Region: 'US West (Oregon)',
      Trigger: { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Dimensions: [{ name: 'QueueName', value: 'FreshindexData-ApplyQueueDLQ' }] },
    });

    const view = alertViewOf({ message }, { region: 'eu-west-1' });

    expect(view).toMatchObject({ origin: 'cloudwatch-alarm', kind: 'alarm', severity: 'critical', title: '[freshindex critical] ALARM: FreshindexCompute-DeadLetters-apply' });
    expect(view.action).toContain('Runbook: docs/operations.md#apply-dead-letters');
    expect(view.links[0]?.url).toBe('https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#alarmsV2:alarm/FreshindexCompute-DeadLetters-apply');
    expect(view.commands).toEqual(['freshindex dlq list --queue apply']);
  });

  it('offers no dlq command for a dead-letter queue freshindex dlq does not read (alert delivery)', () => {
    const message = JSON.stringify({ AlarmName: 'FreshindexCompute-DeadLetters-alert-delivery', NewStateValue: 'ALARM', Trigger: { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Dimensions: [] } });

    const view = alertViewOf({ message }, SETTINGS);

    expect(view.commands.some((command) => command.includes('dlq'))).toBe(false);
  });

  it('reads the type of a metric-math alarm (an error rate) from the dimensions of its metrics', () => {
    const metric = (name: string) => ({ Id: name.toLowerCase(), MetricStat: { Metric: { MetricName: name, Namespace: 'freshindex', Dimensions: [{ value: 'freshindex-apply', name: 'service' }, { value: 'movie', name: 'type' }] }, Period: 300, Stat: 'Sum' }, ReturnData: false });
    const message = JSON.stringify({
      AlarmName: 'FreshindexCompute-ApplyFailures-movie',
      NewStateValue: 'ALARM',
      Trigger: { Metrics: [{ Expression: 'failed / handled', Id: 'rate', ReturnData: true }, metric('ApplyFailed'), metric('ApplyApplied')] },
    });

    const view = alertViewOf({ message }, SETTINGS);

    expect(view.type).toBe('movie');
    expect(view.facts).toContainEqual({ name: 'type', value: 'movie' });
    expect(view.commands[0]).toMatch(/^freshindex status movie/);
  });

  it('shows an alarm back to OK as resolved, with nothing to run', () => {
    const message = JSON.stringify({ AlarmName: 'freshindex-jobs-stuck', NewStateValue: 'OK', OldStateValue: 'ALARM', NewStateReason: 'back to normal', Trigger: { MetricName: 'MonitorJobsStuck', Dimensions: [] } });

    const view = alertViewOf({ message }, SETTINGS);

    expect(view).toMatchObject({ severity: 'info', title: '[freshindex resolved] OK: freshindex-jobs-stuck', commands: [] });
  });

  it('keeps a message it does not recognize as a warning with the raw text, never dropping it', () => {
    const view = alertViewOf({ message: '{"not":"an alert"}', subject: 'something odd', timestamp: '2026-12-01T10:00:00.000Z' }, SETTINGS);

    expect(view).toMatchObject({ origin: 'unrecognized', severity: 'warning', title: '[freshindex warning] something odd', summary: '{"not":"an alert"}', details: { text: '{"not":"an alert"}', subject: 'something odd' } });
  });

  it('makes no console link without a region', () => {
    const view = alertViewOf({ message: alert({ id: 'm-1', details: { jobId: 'j-1' } }) }, {});

    expect(view.links).toEqual([]);
    expect(view.commands[0]).toBe('freshindex get movie m-1');
  });
});
