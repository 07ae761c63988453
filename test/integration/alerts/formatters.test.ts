/**
 * Each formatter, posted by the webhook poster to a local HTTP server that checks the payload
 * against the service's documented shape (./shapes.ts), and the signatures DingTalk and Feishu
 * verify, recomputed here from their documented algorithms.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertViewOf, FORMATTERS, type AlertService, type AlertView } from '../../../lambdas/core/alerts/index.ts';
import { quarantineAlert } from '../../../lambdas/core/verify/check.ts';
import { staticCredentials } from '../../../lambdas/adapters/webhooks/credentials.ts';
import { HttpAlertPoster } from '../../../lambdas/adapters/webhooks/poster.ts';
import { dingtalkShape, feishuShape, slackShape, teamsShape } from './shapes.ts';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const SECRET = 'SEC0123456789abcdef';

/** A quarantine alert as the SNS notifier publishes it (its `at` as ISO text). */
function quarantineMessage(): string {
  const alert = quarantineAlert({ name: 'movie', quarantineThreshold: 3, releaseAfterCleanChecks: 2 }, 'blade-runner', { differences: 3, cleanChecks: 0, recent: [{ at: NOW, summary: 'content differs at version 7' }] }, NOW);
  return JSON.stringify({ ...alert, at: new Date(alert.at).toISOString() });
}

function view(): AlertView {
  return alertViewOf({ message: quarantineMessage() }, { region: 'eu-west-1', apiUrl: 'https://api.example.com/prod/', logGroups: ['/aws/lambda/apply', '/aws/lambda/verify'] });
}

describe('the formatters, posted to each service', () => {
  let server: WebhookServer;
  const webhooks = (path: string, secret?: string) => [{ name: path.slice(1), service: path.slice(1) as AlertService, url: `${server.url}${path}?access_token=t0ken`, ...(secret ? { secret } : {}) }];
  const poster = (path: string, secret?: string) => new HttpAlertPoster({ credentials: staticCredentials(webhooks(path, secret)), now: () => NOW });
  const send = async (service: AlertService, secret?: string) => {
    await poster(`/${service}`, secret).post({ name: service, service }, FORMATTERS[service](view()));
    return server.requestsTo(`/${service}`).at(-1)!;
  };

  beforeAll(async () => {
    server = await startWebhookServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('posts Slack a Block Kit message with a text fallback, the what-to-do, the commands and the links as buttons', async () => {
    const request = await send('slack');

    const message = slackShape.parse(request.body);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(message.text).toContain('movie/blade-runner quarantined');
    const texts = JSON.stringify(message.blocks);
    expect(texts).toContain('What to do');
    expect(texts).toContain('freshindex reindex movie blade-runner --endpoint https://api.example.com/prod/');
    expect(message.blocks.find((block) => block.type === 'actions')).toMatchObject({ elements: [{ text: { text: 'Logs of the change' } }] });
  });

  it('posts Teams a message holding one Adaptive Card with facts and Open URL actions', async () => {
    const request = await send('teams');

    const message = teamsShape.parse(request.body);
    const card = message.attachments[0]!.content;
    expect(card.body.some((element) => element.type === 'FactSet')).toBe(true);
    expect(card.actions?.[0]).toMatchObject({ type: 'Action.OpenUrl', title: 'Logs of the change' });
    expect(card.actions?.[0]?.url).toContain('logs-insights');
  });

  it('posts DingTalk a markdown message signed with timestamp and sign query parameters', async () => {
    const request = await send('dingtalk', SECRET);

    const message = dingtalkShape.parse(request.body);
    expect(message.markdown.title).toMatch(/^\[freshindex warning\]/);
    expect(message.markdown.text).toContain('freshindex quarantine release movie blade-runner');
    expect(request.query.get('access_token')).toBe('t0ken');
    expect(request.query.get('timestamp')).toBe(String(NOW));
    const expected = createHmac('sha256', SECRET).update(`${NOW}\n${SECRET}`).digest('base64');
    expect(request.query.get('sign')).toBe(expected);
  });

  it('posts Feishu an interactive card with timestamp (seconds) and sign in the body', async () => {
    const request = await send('feishu', SECRET);

    const message = feishuShape.parse(request.body);
    const seconds = Math.floor(NOW / 1000);
    expect(message.timestamp).toBe(String(seconds));
    expect(message.sign).toBe(createHmac('sha256', `${seconds}\n${SECRET}`).update('').digest('base64'));
    expect(message.card.header).toMatchObject({ template: 'orange', title: { content: expect.stringContaining('quarantined') } });
  });

  it('leaves DingTalk and Feishu unsigned when the destination has no secret', async () => {
    const dingtalk = await send('dingtalk');
    const feishu = await send('feishu');

    expect(dingtalk.query.has('sign')).toBe(false);
    expect(feishuShape.parse(feishu.body).sign).toBeUndefined();
  });

  it('signs a generic webhook with a secret in headers: timestamp and HMAC-SHA256 of timestamp.body', async () => {
    const request = await send('webhook', SECRET);

    expect(request.headers['x-freshindex-timestamp']).toBe(String(NOW));
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${JSON.stringify(request.body)}`).digest('hex');
    expect(request.headers['x-freshindex-signature']).toBe(`sha256=${expected}`);
  });

  it('posts a generic webhook the alert view as it is', async () => {
    const request = await send('webhook');

    expect(request.body).toEqual(JSON.parse(JSON.stringify(view())));
    expect(request.body).toMatchObject({ origin: 'freshindex', kind: 'resource-quarantined', type: 'movie', id: 'blade-runner', severity: 'warning' });
  });
});
