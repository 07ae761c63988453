/**
 * The alert-delivery handler on the emulators (fauxqs SQS for its dead-letter queue) and a local
 * webhook server: retries that end in a delivery, failures that end in the dead-letter queue
 * with their reason while the other destinations still get the alert.
 */
import { CreateQueueCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertDeliveryHandler } from '../../../lambdas/handlers/alert-delivery.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

const ALERT = {
  kind: 'build-failed',
  severity: 'critical',
  type: 'movie',
  summary: 'rebuild of "movie" failed: source answered 503',
  action: 'Generation 4 keeps serving. Fix the cause, then rebuild "movie" again.',
  details: { buildId: 'b-1' },
  at: '2026-12-01T10:00:00.000Z',
};

function snsEvent(message: string, messageId = 'sns-1'): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:alerts:sub',
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
          Subject: '[freshindex critical] rebuild of "movie" failed',
          Message: message,
          Timestamp: '2026-12-01T10:00:01.000Z',
          SignatureVersion: '1',
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  };
}

describe('the alert-delivery function', () => {
  let aws: AwsTestEnv;
  let server: WebhookServer;
  let queueUrl: string;
  let suite = 0;
  const waits: number[] = [];

  beforeAll(async () => {
    aws = await startAws();
    server = await startWebhookServer();
  });
  afterAll(async () => {
    await server.close();
    await aws.stop();
  });
  beforeEach(async () => {
    server.requests.splice(0);
    waits.splice(0);
    queueUrl = (await aws.sqs.send(new CreateQueueCommand({ QueueName: `alerts-dlq-${++suite}` }))).QueueUrl!;
  });

  const handler = (webhooks: Array<{ name: string; service: string; path: string; secret?: string }>, extra: Record<string, string> = {}, readSecret?: (id: string) => Promise<unknown>) =>
    createAlertDeliveryHandler({
      env: {
        AWS_REGION: 'us-east-1',
        FRESHINDEX_ALERT_DLQ_URL: queueUrl,
        FRESHINDEX_ALERT_WEBHOOKS: JSON.stringify(webhooks.map(({ path, ...webhook }) => ({ ...webhook, url: `${server.url}${path}` }))),
        ...extra,
      },
      sqs: aws.sqs,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...(readSecret ? { readSecret } : {}),
    });

  async function deadLetters(): Promise<Message[]> {
    const output = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
    return output.Messages ?? [];
  }

  it('retries a destination that answered 500 and delivers the alert once it answers 200', async () => {
    server.answer('/slack', { status: 500, body: 'internal error' });
    const deliver = handler([{ name: 'oncall', service: 'slack', path: '/slack' }]);

    await deliver(snsEvent(JSON.stringify(ALERT)));

    expect(server.requestsTo('/slack')).toHaveLength(2);
    expect(server.requestsTo('/slack')[1]!.body).toMatchObject({ text: expect.stringContaining('rebuild of "movie" failed') });
    expect(await deadLetters()).toEqual([]);
  });

  it('waits as long as a 429 answer\'s Retry-After asks before trying again', async () => {
    server.answer('/slack', { status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } });
    const deliver = handler([{ name: 'oncall', service: 'slack', path: '/slack' }]);

    await deliver(snsEvent(JSON.stringify(ALERT)));

    expect(waits).toEqual([2000]);
    expect(server.requestsTo('/slack')).toHaveLength(2);
    expect(await deadLetters()).toEqual([]);
  });

  it('dead-letters a destination that still answers 503 after its retries, with the last answer as the reason', async () => {
    server.answer('/webhook', ...Array.from({ length: 5 }, () => ({ status: 503, body: 'unavailable' })));
    const deliver = handler([{ name: 'mine', service: 'webhook', path: '/webhook' }]);

    await deliver(snsEvent(JSON.stringify(ALERT)));

    expect(server.requestsTo('/webhook')).toHaveLength(5);
    expect((await deadLetters())[0]?.MessageAttributes?.['reason']?.StringValue).toBe('WebhookError: webhook destination "mine": HTTP 503: unavailable');
  });

  it('dead-letters a destination that answered 400 with its reason, without retrying it, and still delivers to the others', async () => {
    server.answer('/teams', { status: 400, body: 'Bad payload: attachments required' });
    const deliver = handler([
      { name: 'ops-teams', service: 'teams', path: '/teams' },
      { name: 'oncall', service: 'slack', path: '/slack' },
    ]);

    await deliver(snsEvent(JSON.stringify(ALERT), 'sns-400'));

    expect(server.requestsTo('/teams')).toHaveLength(1);
    expect(server.requestsTo('/slack')).toHaveLength(1);
    const [letter, ...others] = await deadLetters();
    expect(others).toEqual([]);
    expect(letter!.MessageAttributes?.['reason']?.StringValue).toBe('WebhookError: teams destination "ops-teams": HTTP 400: Bad payload: attachments required');
    expect(letter!.MessageAttributes?.['originalMessageId']?.StringValue).toBe('sns-400');
    expect(letter!.MessageAttributes?.['type']?.StringValue).toBe('movie');
    const body = JSON.parse(letter!.Body!) as Record<string, unknown>;
    expect(body).toMatchObject({ destination: 'ops-teams', service: 'teams', alert: { kind: 'build-failed', type: 'movie' }, message: JSON.stringify(ALERT) });
  });

  it('treats DingTalk error codes in a 200 answer by their code: retries "too fast", dead-letters a refused keyword at once', async () => {
    server.answer('/dingtalk-busy', { status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } }, { status: 200, body: { errcode: 0, errmsg: 'ok' } });
    server.answer('/dingtalk-keyword', { status: 200, body: { errcode: 310000, errmsg: 'keywords not in content' } });
    const deliver = handler([
      { name: 'busy', service: 'dingtalk', path: '/dingtalk-busy' },
      { name: 'keyword', service: 'dingtalk', path: '/dingtalk-keyword' },
    ]);

    await deliver(snsEvent(JSON.stringify(ALERT)));

    expect(server.requestsTo('/dingtalk-busy')).toHaveLength(2);
    expect(server.requestsTo('/dingtalk-keyword')).toHaveLength(1);
    const letters = await deadLetters();
    expect(letters.map((letter) => letter.MessageAttributes?.['reason']?.StringValue)).toEqual(['WebhookError: dingtalk destination "keyword": error code 310000: keywords not in content']);
  });

  it('treats Feishu error codes in a 200 answer by their code: a failed signature check is dead-lettered', async () => {
    server.answer('/feishu', { status: 200, body: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time', data: {} } });
    const deliver = handler([{ name: 'lark', service: 'feishu', path: '/feishu', secret: 'wrong' }]);

    await deliver(snsEvent(JSON.stringify(ALERT)));

    expect(server.requestsTo('/feishu')).toHaveLength(1);
    expect((await deadLetters())[0]?.MessageAttributes?.['reason']?.StringValue).toContain('error code 19021: sign match fail');
  });

  it('reads a destination from its secret, and dead-letters it with a clear reason when the secret is not { url, secret? }', async () => {
    const secrets: Record<string, unknown> = { 'freshindex/good': { url: `${server.url}/webhook` }, 'freshindex/bad': { webhook: 'https://example.com' } };
    const deliver = handler([], {
      FRESHINDEX_ALERT_DESTINATIONS: JSON.stringify([
        { name: 'good', service: 'webhook', secretId: 'freshindex/good' },
        { name: 'bad', service: 'slack', secretId: 'freshindex/bad' },
      ]),
    }, async (id) => secrets[id]);

    await deliver(snsEvent(JSON.stringify(ALERT)));

    expect(server.requestsTo('/webhook')[0]?.body).toMatchObject({ kind: 'build-failed', type: 'movie', commands: ['freshindex status movie', 'freshindex rebuild movie'] });
    expect((await deadLetters())[0]?.MessageAttributes?.['reason']?.StringValue).toMatch(/^WebhookError: secret freshindex\/bad of destination "bad" must hold JSON \{ "url"/);
  });

  it('delivers a message it does not recognize as a generic alert with the raw text', async () => {
    const deliver = handler([{ name: 'raw', service: 'webhook', path: '/webhook' }]);

    await deliver(snsEvent('disk almost full on the CMS'));

    expect(server.requestsTo('/webhook')[0]?.body).toMatchObject({ origin: 'unrecognized', summary: 'disk almost full on the CMS', details: { text: 'disk almost full on the CMS' } });
  });

  it('fails the invocation when a failed delivery cannot be dead-lettered either, so Lambda retries it', async () => {
    server.answer('/slack', { status: 404, body: 'no_service' });
    const deliver = handler([{ name: 'gone', service: 'slack', path: '/slack' }], { FRESHINDEX_ALERT_DLQ_URL: `${queueUrl}-missing` });

    await expect(deliver(snsEvent(JSON.stringify(ALERT)))).rejects.toThrow(/neither delivered nor dead-lettered at 1 destination\(s\): gone: WebhookError: slack destination "gone": HTTP 404: no_service/);
  });
});
