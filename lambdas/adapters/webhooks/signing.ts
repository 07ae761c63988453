/**
 * The signatures of DingTalk and Feishu / Lark bots with a signing secret.
 * - DingTalk custom robot: `sign` = base64(HMAC-SHA256(key = secret, message = `timestamp\nsecret`)),
 *   `timestamp` in milliseconds; both go in the query string (the sign URL-encoded).
 * - Feishu / Lark custom bot: `sign` = base64(HMAC-SHA256(key = `timestamp\nsecret`, empty message)),
 *   `timestamp` in seconds; both go in the JSON body beside `msg_type`.
 * Either service refuses a timestamp more than an hour from its clock.
 */
import { createHmac } from 'node:crypto';
import type { AlertService } from '../../core/alerts/index.ts';

/** A request ready to send. */
export interface SignedRequest {
  url: string;
  body: Record<string, unknown>;
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
 * The request for a service, signed when the destination has a secret (DingTalk and Feishu; the
 * other services' URLs are their own credential and `secret` is ignored).
 */
export function signedRequest(service: AlertService, url: string, body: Record<string, unknown>, secret: string | undefined, now: number): SignedRequest {
  if (!secret) return { url, body };
  if (service === 'dingtalk') {
    const signed = new URL(url);
    signed.searchParams.set('timestamp', String(now));
    signed.searchParams.set('sign', dingtalkSignature(secret, now));
    return { url: signed.toString(), body };
  }
  if (service === 'feishu') {
    const timestamp = Math.floor(now / 1000);
    return { url, body: { timestamp: String(timestamp), sign: feishuSignature(secret, timestamp), ...body } };
  }
  return { url, body };
}
