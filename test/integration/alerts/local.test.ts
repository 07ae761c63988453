/**
 * Alerts in `freshindex dev`: what the apply and verify functions and the jobs publish on the
 * alerts topic (fauxqs) reaches the webhooks of FRESHINDEX_ALERT_WEBHOOKS and the dev log.
 */
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../../lambdas/adapters/compose/index.ts';
import { startLocalAlerts, type LocalAlerts } from '../../../lambdas/local/dev/alerts.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(50);
  }
}

describe('alerts in freshindex dev', () => {
  let aws: AwsTestEnv;
  let server: WebhookServer;
  let alerts: LocalAlerts;
  let topicArn: string;
  const lines: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    aws = await startAws();
    server = await startWebhookServer();
    topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: 'local-alerts' }))).TopicArn!;
    alerts = await startLocalAlerts({
      sqs: aws.sqs,
      sns: aws.sns,
      alertsTopicArn: topicArn,
      region: 'us-east-1',
      webhooks: JSON.stringify([{ name: 'team', service: 'dingtalk', url: `${server.url}/dingtalk`, secret: 'SEC1' }]),
      log: (line) => lines.push(line),
      onError: (error, where) => errors.push(`${where}: ${String(error)}`),
    });
  });
  afterAll(async () => {
    await alerts.stop();
    await server.close();
    await aws.stop();
  });

  it('posts an alert published on the alerts topic to the configured webhook and prints it in the log', async () => {
    const runtime = createRuntime({ types: [{ name: 'movie', source: { type: 'jsonl', path: '/dev/null' }, transform: (doc: Record<string, unknown>) => doc, version: () => 1 }] } as never, {
      indexTable: 'unused',
      controlTable: 'unused',
      alertsTopicArn: topicArn,
    }, { sns: aws.sns, dynamodb: aws.dynamodb });

    await runtime.notifier.alert({ kind: 'build-failed', severity: 'critical', type: 'movie', summary: 'rebuild of "movie" failed: boom', action: 'Rebuild "movie" again.', details: { buildId: 'b-9' }, at: Date.parse('2026-12-01T10:00:00Z') });
    await until(() => server.requestsTo('/dingtalk').length > 0 && lines.length > 0);
    await runtime.close();

    expect(server.requestsTo('/dingtalk')[0]!.body).toMatchObject({ msgtype: 'markdown', markdown: { title: '[freshindex critical] rebuild of "movie" failed: boom' } });
    expect(server.requestsTo('/dingtalk')[0]!.query.get('sign')).toBeTruthy();
    expect(lines[0]).toContain('freshindex dev: alert [freshindex critical] rebuild of "movie" failed: boom');
    expect(lines[0]).toContain('run: freshindex status movie\n');
    expect(lines[0]).toContain('team: delivered');
    expect(errors).toEqual([]);
  });
});
