/**
 * The signatures of DingTalk and Feishu / Lark bots with a signing secret.
 * - DingTalk custom robot: `sign` = base64(HMAC-SHA256(key = secret, message = `timestamp\nsecret`)),
 *   `timestamp` in milliseconds; both go in the query string (the sign URL-encoded).
 * - Feishu / Lark custom bot: `sign` = base64(HMAC-SHA256(key = `timestamp\nsecret`, empty message)),
 *   `timestamp` in seconds; both go in the JSON body beside `msg_type`.
 * Either service refuses a timestamp more than an hour from its clock.
 * - A generic webhook with a secret: headers `x-freshindex-timestamp` (milliseconds) and
 *   `x-freshindex-signature: sha256=<hex HMAC-SHA256(key = secret, message = `timestamp.body`)>`,
 *   so the receiver can check the alert came from freshindex and is fresh.
 */
import { createHmac } from 'node:crypto';
import type { AlertService } from '../../core/alerts/index.ts';

/** A request ready to send. */
export interface SignedRequest {
  url: string;
  /** The JSON text to post. */
  body: string;
  headers: Record<string, string>;
}

/** DingTalk's signature of `timestampMs`. */
export function dingtalkSignature(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** Feishu's signature of `timestampSeconds`. */
export function feishuSignature(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/**
 * The request for a service, signed when the destination has a secret (DingTalk, Feishu and
 * generic webhooks; Slack's and Teams' URLs are their own credential and `secret` is ignored).
 */
export function signedRequest(service: AlertService, url: string, payload: Record<string, unknown>, secret: string | undefined, now: number): SignedRequest {
  const headers = { 'content-type': 'application/json; charset=utf-8' };
  if (secret && service === 'dingtalk') {
    const signed = new URL(url);
    signed.searchParams.set('timestamp', String(now));
    signed.searchParams.set('sign', dingtalkSignature(secret, now));
    return { url: signed.toString(), body: JSON.stringify(payload), headers };
  }
  if (secret && service === 'feishu') {
    const timestamp = Math.floor(now / 1000);
    return { url, body: JSON.stringify({ timestamp: String(timestamp), sign: feishuSignature(secret, timestamp), ...payload }), headers };
  }
  const body = JSON.stringify(payload);
  if (secret && service === 'webhook') {
    return { url, body, headers: { ...headers, 'x-freshindex-timestamp': String(now), 'x-freshindex-signature': `sha256=${webhookSignature(secret, now, body)}` } };
  }
  return { url, body, headers };
}

/** A generic webhook's signature of `timestamp.body` (hex). */
export function webhookSignature(secret: string, timestampMs: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
}
