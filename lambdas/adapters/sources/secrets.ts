/**
 * Secret values read from AWS Secrets Manager, cached for a bounded time so a rotated secret is
 * picked up without a redeploy. Shared by every adapter that reads a secret (the auth header of
 * an HTTP source, a Postgres connection): one cache per client, so several types naming the same
 * secret read it once.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LRUCache } from 'lru-cache';
import { SourceError } from '../../core/errors.ts';

/** How long a secret's value is reused before it is read again, unless the caller says otherwise. */
export const DEFAULT_SECRET_TTL_MS = 300_000;

/** Secrets Manager errors that another try cannot fix. */
const PERMANENT_SECRET_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidRequestException',
  'InvalidParameterException',
  'DecryptionFailure',
]);

const caches = new WeakMap<SecretsManagerClient, LRUCache<string, string>>();

function secretCache(client: SecretsManagerClient): LRUCache<string, string> {
  let cache = caches.get(client);
  if (!cache) {
    cache = new LRUCache<string, string>({
      max: 100,
      ttl: DEFAULT_SECRET_TTL_MS,
      fetchMethod: async (secretId) => fetchSecret(client, secretId),
    });
    caches.set(client, cache);
  }
  return cache;
}

async function fetchSecret(client: SecretsManagerClient, secretId: string): Promise<string> {
  let value: string | undefined;
  try {
    value = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    throw new SourceError(`cannot read secret ${secretId}: ${name || String(error)}`, {
      cause: error,
      retryable: !PERMANENT_SECRET_ERRORS.has(name),
      context: { secretId },
    });
  }
  if (value === undefined) {
    throw new SourceError(`secret ${secretId} has no string value`, { retryable: false, context: { secretId } });
  }
  return value;
}

/**
 * The string value of a secret, read once per `ttlMs` per client. A failed read rejects with a
 * `SourceError`: retryable unless Secrets Manager refused for good (missing secret, access
 * denied, decryption failure).
 *
 * @example
 * const token = await readSecretString(secrets, 'cms/token');
 */
export async function readSecretString(client: SecretsManagerClient, secretId: string, ttlMs = DEFAULT_SECRET_TTL_MS): Promise<string> {
  const value = await secretCache(client).fetch(secretId, { ttl: ttlMs });
  if (value === undefined) throw new SourceError(`secret ${secretId} could not be read`, { retryable: true, context: { secretId } });
  return value;
}

/** Forgets a cached value (the server refused it: it may have been rotated), so the next read asks again. */
export function forgetSecret(client: SecretsManagerClient, secretId: string): void {
  secretCache(client).delete(secretId);
}
