/**
 * Posting alerts to chat webhooks: one JSON POST per destination, signed for DingTalk and Feishu,
 * retried with backoff on network errors, timeouts, 429 and 5xx (a short `Retry-After` is
 * honoured), never on another 4xx. DingTalk and Feishu answer HTTP 200 with an error code in the
 * body: a code that means "too fast" or "busy" is retried, any other fails at once.
 */
import type { AlertDestination, AlertPoster } from '../../core/alerts/index.ts';
import { describeError } from '../../core/errors.ts';
import { parseRetryAfter, RETRY_AFTER_MS, withRetries, type BackoffOptions } from '../sources/retry.ts';
import type { WebhookCredentials } from './credentials.ts';
import { WebhookError } from './errors.ts';
import { signedRequest } from './signing.ts';

/** Body error codes worth another try: DingTalk -1 (busy) and 130101 (sending too fast); Feishu 11232 (frequency limited). */
const RETRYABLE_CODES: Readonly<Record<'dingtalk' | 'feishu', ReadonlySet<number>>> = {
  dingtalk: new Set([-1, 130101]),
  feishu: new Set([11232]),
};

/** What the poster needs. */
export interface HttpAlertPosterOptions extends BackoffOptions {
  /** The URL (and secret) of a destination: Secrets Manager on AWS, the local configuration in `freshindex dev`. */
  credentials: (destination: AlertDestination) => Promise<WebhookCredentials>;
  /** Retries after the first attempt. @default 4 */
  retries?: number;
  /** Milliseconds one attempt may take. @default 10000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default Date.now */
  now?: () => number;
}

/** Posts alerts over HTTPS (see the module's description). */
export class HttpAlertPoster implements AlertPoster {
  constructor(private readonly options: HttpAlertPosterOptions) {}

  async post(destination: AlertDestination, payload: Record<string, unknown>): Promise<void> {
    const credentials = await this.options.credentials(destination);
    await withRetries(() => this.attempt(destination, credentials, payload), {
      ...this.options,
      retries: this.options.retries ?? 4,
      // Waits of up to 2, 4, 8 and 15 s: a webhook down for half a minute still gets the alert,
      // and five 10-second attempts with their waits stay inside the function's 90 s.
      baseMs: this.options.baseMs ?? 2_000,
      capMs: this.options.capMs ?? 15_000,
      retried: WebhookError,
    });
  }

  private async attempt(destination: AlertDestination, credentials: WebhookCredentials, payload: Record<string, unknown>): Promise<void> {
    // Signed on every attempt: the timestamp must be fresh.
    const request = signedRequest(destination.service, credentials.url, payload, credentials.secret, (this.options.now ?? Date.now)());
    const where = `${destination.service} destination "${destination.name}"`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new WebhookError(`${where}: the request failed: ${describeError((error as { cause?: unknown }).cause ?? error)}`, { retryable: true, cause: error });
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new WebhookError(`${where}: HTTP ${response.status}: ${excerpt(text)}`, { retryable: true, context: retryAfterMs === undefined ? {} : { [RETRY_AFTER_MS]: retryAfterMs } });
    }
    if (!response.ok) throw new WebhookError(`${where}: HTTP ${response.status}: ${excerpt(text)}`, { retryable: false, context: { status: response.status } });
    if (destination.service === 'dingtalk' || destination.service === 'feishu') checkBodyCode(destination.service, where, text);
  }
}

/** DingTalk answers `{ errcode, errmsg }`, Feishu `{ code, msg }` (older bots `{ StatusCode, StatusMessage }`): 0 is success. */
function checkBodyCode(service: 'dingtalk' | 'feishu', where: string, text: string): void {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new WebhookError(`${where}: HTTP 200 with a body that is not JSON: ${excerpt(text)}`, { retryable: false });
  }
  const code = Number(service === 'dingtalk' ? body['errcode'] : (body['code'] ?? body['StatusCode']));
  if (code === 0) return;
  const message = String((service === 'dingtalk' ? body['errmsg'] : (body['msg'] ?? body['StatusMessage'])) ?? '');
  throw new WebhookError(`${where}: error code ${Number.isNaN(code) ? 'missing' : code}: ${excerpt(message || text)}`, {
    retryable: RETRYABLE_CODES[service].has(code),
    context: { code },
  });
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 300 ? line || '(empty body)' : `${line.slice(0, 299)}…`;
}
