/**
 * The alert-delivery function's parts: its destinations, the poster (Secrets Manager for the
 * webhooks on AWS, the URLs themselves in local runs), its dead-letter queue, and the settings of
 * the links. Built here so the handler and `freshindex dev` hold no SDK client or concrete adapter.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AlertDestination, DeliveryDeps, LinkSettings } from '../../core/alerts/index.ts';
import { secretCredentials, staticCredentials, type WebhookCredentials } from '../webhooks/credentials.ts';
import { QueueFailedDeliveries } from '../webhooks/failed-deliveries.ts';
import { HttpAlertPoster, type HttpAlertPosterOptions } from '../webhooks/poster.ts';
import { DeadLetterQueue } from '../sqs/dead-letter.ts';
import type { AlertsEnv } from './env.ts';

/** What the delivery function runs on. */
export interface AlertDelivery {
  destinations: AlertDestination[];
  deps: DeliveryDeps;
  links: LinkSettings;
  /** Destroys the clients made here. */
  close(): void;
}

/** Clients and parts a caller may inject (tests: emulators, a fake clock, no backoff). */
export interface AlertDeliveryOverrides extends Partial<Pick<HttpAlertPosterOptions, 'fetch' | 'sleep' | 'retries' | 'timeoutMs' | 'now'>> {
  sqs?: SQSClient;
  secrets?: SecretsManagerClient;
  /** Replaces the Secrets Manager read (tests). */
  readSecret?: (secretId: string) => Promise<unknown>;
}

/**
 * The delivery function's parts for its parsed environment.
 *
 * @example
 * const delivery = createAlertDelivery(parseAlertsEnv(process.env));
 */
export function createAlertDelivery(env: AlertsEnv, overrides: AlertDeliveryOverrides = {}): AlertDelivery {
  const owned: Array<{ destroy(): void }> = [];
  const region = env.AWS_REGION ? { region: env.AWS_REGION } : {};
  const endpoint = (specific: string | undefined) => (specific ?? env.AWS_ENDPOINT_URL ? { endpoint: specific ?? env.AWS_ENDPOINT_URL } : {});
  const sqs = overrides.sqs ?? own(owned, new SQSClient({ ...region, ...endpoint(env.AWS_ENDPOINT_URL_SQS) }));
  const fromSecrets = env.FRESHINDEX_ALERT_DESTINATIONS;
  const secrets =
    overrides.secrets ?? (fromSecrets.length > 0 && !overrides.readSecret ? own(owned, new SecretsManagerClient({ ...region, ...endpoint(env.AWS_ENDPOINT_URL_SECRETS_MANAGER) })) : undefined);
  const viaSecret = secretCredentials(fromSecrets, { client: secrets, ...(overrides.readSecret ? { readSecret: overrides.readSecret } : {}) });
  const direct = staticCredentials(env.FRESHINDEX_ALERT_WEBHOOKS);
  const secretNames = new Set(fromSecrets.map((destination) => destination.name));
  const credentials = (destination: AlertDestination): Promise<WebhookCredentials> => (secretNames.has(destination.name) ? viaSecret(destination) : direct(destination));
  const { sqs: _sqs, secrets: _secrets, readSecret: _readSecret, ...posterOptions } = overrides;
  return {
    destinations: [...fromSecrets, ...env.FRESHINDEX_ALERT_WEBHOOKS].map(({ name, service }) => ({ name, service })),
    deps: {
      poster: new HttpAlertPoster({ ...posterOptions, credentials }),
      failed: new QueueFailedDeliveries(new DeadLetterQueue(sqs, env.FRESHINDEX_ALERT_DLQ_URL)),
    },
    links: { region: env.AWS_REGION, apiUrl: env.FRESHINDEX_API_URL, logGroups: env.FRESHINDEX_LOG_GROUPS },
    close: () => {
      for (const client of owned.splice(0)) client.destroy();
    },
  };
}

function own<T extends { destroy(): void }>(owned: Array<{ destroy(): void }>, client: T): T {
  owned.push(client);
  return client;
}
