/**
 * Where each destination's webhook is: one Secrets Manager secret per destination holding
 * `{ "url": "https://...", "secret"?: "..." }` (the signing secret of DingTalk and Feishu bots),
 * read with Powertools' `SecretsProvider` and cached for five minutes, so a rotated webhook is
 * picked up without a redeploy. `freshindex dev` gives the URLs directly instead.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ALERT_SERVICES, type AlertDestination, type AlertService } from '../../core/alerts/index.ts';
import { WebhookError } from './errors.ts';

/** A webhook URL and, for DingTalk and Feishu bots with signing on, its secret. */
export interface WebhookCredentials {
  url: string;
  secret?: string | undefined;
}

const service = z.enum(ALERT_SERVICES as [AlertService, ...AlertService[]]);
const name = z.string().regex(/^[\w.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores');

/** What a destination's secret holds. */
export const webhookCredentialsSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }),
  secret: z.string().min(1).optional(),
});

/** FRESHINDEX_ALERT_DESTINATIONS (set by the CDK): each destination and the secret holding its webhook. */
export const secretDestinationsSchema = z.array(z.object({ name, service, secretId: z.string().min(1) }));

/** FRESHINDEX_ALERT_WEBHOOKS (local runs): each destination with its webhook URL and signing secret. */
export const localWebhooksSchema = z.array(z.object({ name, service, ...webhookCredentialsSchema.shape }));

/** A destination whose webhook lives in a secret. */
export type SecretDestination = z.output<typeof secretDestinationsSchema>[number];

/** Secrets Manager (and Powertools) answers that another try cannot fix. */
const PERMANENT = /ResourceNotFound|AccessDenied|InvalidRequest|InvalidParameter|DecryptionFailure|TransformParameterError|not found/i;

/** Options of {@link secretCredentials}. */
export interface SecretCredentialsOptions {
  /** The client Powertools reads with (tests point it at an emulator). @default Powertools' own */
  client?: SecretsManagerClient | undefined;
  /** Replaces the Secrets Manager read (tests). */
  readSecret?: (secretId: string) => Promise<unknown>;
  /** How long a read secret is reused. @default 300 */
  maxAgeSeconds?: number;
}

/** Credentials read from each destination's secret; a secret that is missing, unreadable or of the wrong shape fails that destination only. */
export function secretCredentials(destinations: readonly SecretDestination[], options: SecretCredentialsOptions = {}): (destination: AlertDestination) => Promise<WebhookCredentials> {
  const secretOf = new Map(destinations.map((destination) => [destination.name, destination.secretId]));
  let provider: SecretsProvider | undefined;
  const read =
    options.readSecret ??
    ((secretId: string) => (provider ??= new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {})).get(secretId, { maxAge: options.maxAgeSeconds ?? 300, transform: 'json' }));
  return async (destination) => {
    const secretId = secretOf.get(destination.name);
    if (!secretId) throw new WebhookError(`destination "${destination.name}" names no secret`, { retryable: false });
    let value: unknown;
    try {
      value = await read(secretId);
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
      throw new WebhookError(`cannot read the webhook of "${destination.name}" from secret ${secretId}: ${error instanceof Error ? error.message : String(error)}`, {
        retryable: !PERMANENT.test(text),
        cause: error,
        context: { secretId },
      });
    }
    const parsed = webhookCredentialsSchema.safeParse(value);
    if (!parsed.success) {
      throw new WebhookError(`secret ${secretId} of destination "${destination.name}" must hold JSON { "url": "https://...", "secret"?: "..." }: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`, {
        retryable: false,
        context: { secretId },
      });
    }
    return parsed.data;
  };
}

/** Credentials given directly (local runs). */
export function staticCredentials(webhooks: z.output<typeof localWebhooksSchema>): (destination: AlertDestination) => Promise<WebhookCredentials> {
  const byName = new Map(webhooks.map((webhook) => [webhook.name, { url: webhook.url, secret: webhook.secret }]));
  return async (destination) => {
    const credentials = byName.get(destination.name);
    if (!credentials) throw new WebhookError(`destination "${destination.name}" has no webhook URL`, { retryable: false });
    return credentials;
  };
}
