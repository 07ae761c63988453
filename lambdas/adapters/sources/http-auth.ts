/**
 * The authentication header of an HTTP source: its value comes from an environment variable
 * (local runs, CI) or from an AWS Secrets Manager secret, cached for a bounded time so a
 * rotated secret is picked up without a redeploy.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SourceError } from '../../core/errors.ts';
import { DEFAULT_SECRET_TTL_MS, forgetSecret, readSecretString } from './secrets.ts';
import type { HttpSourceConfig } from '../../core/config/schema.ts';

type HttpAuthConfig = NonNullable<HttpSourceConfig['auth']>;

/** What the header needs from outside. */
export interface HttpAuthDeps {
  /** Reads `auth.secretId`. Required when the config names a secret. */
  secrets?: SecretsManagerClient | undefined;
  /** The environment `auth.env` is looked up in (the entry point passes `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * How long a secret's value is reused before it is read again.
   * @default 300000 (5 minutes)
   */
  secretTtlMs?: number | undefined;
}

/** Produces the auth header of an HTTP source's requests. */
export class HttpAuth {
  /** True when the value comes from a secret that `invalidate` can refresh. */
  readonly refreshable: boolean;

  constructor(
    private readonly auth: HttpAuthConfig | undefined,
    private readonly deps: HttpAuthDeps = {},
  ) {
    this.refreshable = auth?.secretId !== undefined;
    if (auth?.secretId !== undefined && !deps.secrets) {
      throw new SourceError(`auth.secretId ${auth.secretId} needs a Secrets Manager client`, { retryable: false });
    }
  }

  /** The headers to add to a request (none without auth). */
  async headers(): Promise<Record<string, string>> {
    const auth = this.auth;
    if (!auth) return {};
    return { [auth.header]: `${auth.prefix}${await this.value(auth)}` };
  }

  /** Forgets the cached secret (the server refused it: it may have been rotated). */
  invalidate(): void {
    if (this.auth?.secretId !== undefined && this.deps.secrets) forgetSecret(this.deps.secrets, this.auth.secretId);
  }

  private async value(auth: HttpAuthConfig): Promise<string> {
    if (auth.env !== undefined) {
      const value = this.deps.env?.[auth.env];
      if (value === undefined || value === '') {
        throw new SourceError(`environment variable ${auth.env} (auth of an HTTP source) is not set`, {
          retryable: false,
          context: { variable: auth.env },
        });
      }
      return value;
    }
    return readSecretString(this.deps.secrets as SecretsManagerClient, auth.secretId as string, this.deps.secretTtlMs ?? DEFAULT_SECRET_TTL_MS);
  }
}
