import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { PropChecks } from './checks.ts';

/** Creates a topic encrypted with `key` that refuses publishers not using TLS. */
export function secureTopic(scope: Construct, id: string, key: kms.IKey, displayName: string): sns.Topic {
  return new sns.Topic(scope, id, { masterKey: key, enforceSSL: true, displayName });
}

/** Props of {@link OperatorTopics}. */
export interface OperatorTopicsProps {
  /** The key both topics are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * Email addresses subscribed to the alerts topic (each confirms by email).
   *
   * @default - none
   */
  readonly alertEmails?: readonly string[];
  /**
   * HTTPS endpoints subscribed to the alerts topic: incident tools that confirm an SNS
   * subscription and read SNS's JSON (PagerDuty, Opsgenie...). Chat webhooks (Slack, Teams,
   * DingTalk, Feishu / Lark) cannot confirm one and want their own payloads: give them to the
   * compute side's `alerts.destinations` instead; their URLs are refused here.
   *
   * @default - none
   */
  readonly alertWebhookUrls?: readonly string[];
  /**
   * Email addresses subscribed to the notifications topic (build and audit reports).
   *
   * @default - none
   */
  readonly notificationEmails?: readonly string[];
}

/**
 * The topics operators listen to: alerts (a build failed, a resource was quarantined, an audit
 * found drift) and notifications (the report of every build and audit).
 */
export class OperatorTopics extends Construct {
  /** Alerts: what happened, to which type and resource, and what to do next. */
  public readonly alertsTopic: sns.Topic;
  /** End-of-run reports of builds and audits. */
  public readonly notificationsTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: OperatorTopicsProps) {
    super(scope, id);
    const checks = new PropChecks(this.node.path);
    for (const email of [...(props.alertEmails ?? []), ...(props.notificationEmails ?? [])]) {
      checks.require(/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email), `"${email}" is not an email address`);
    }
    for (const url of props.alertWebhookUrls ?? []) {
      const https = URL.canParse(url) && new URL(url).protocol === 'https:';
      checks.require(https, `alertWebhookUrls: "${url}" is not an https:// URL`);
      const chat = https ? chatServiceOf(new URL(url).hostname) : undefined;
      checks.require(
        chat === undefined,
        `alertWebhookUrls: "${url}" is a ${chat} webhook, which cannot confirm an SNS subscription: give it to the compute props' alerts.destinations (service "${chat}", its URL in a secret; docs/alerts.md)`,
      );
    }
    checks.throwIfAny();

    this.alertsTopic = secureTopic(this, 'AlertsTopic', props.encryptionKey, 'freshindex alerts');
    this.notificationsTopic = secureTopic(this, 'NotificationsTopic', props.encryptionKey, 'freshindex build and audit reports');
    for (const email of props.alertEmails ?? []) this.alertsTopic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const url of props.alertWebhookUrls ?? []) {
      this.alertsTopic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    for (const email of props.notificationEmails ?? []) {
      this.notificationsTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}

/** The chat services whose webhooks never confirm an SNS subscription, by host name. */
const CHAT_HOSTS: ReadonlyArray<[RegExp, string]> = [
  [/(^|\.)hooks\.slack\.com$/, 'slack'],
  [/(^|\.)(webhook\.office\.com|logic\.azure\.com|powerautomate\.com|powerplatform\.com|flow\.microsoft\.com)$/, 'teams'],
  [/(^|\.)oapi\.dingtalk\.com$/, 'dingtalk'],
  [/(^|\.)(open\.feishu\.cn|open\.larksuite\.com)$/, 'feishu'],
];

function chatServiceOf(host: string): string | undefined {
  return CHAT_HOSTS.find(([pattern]) => pattern.test(host))?.[1];
}
