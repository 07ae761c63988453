/**
 * The source adapters and their registry: one factory per `source.type` of the config.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { documentId } from '../../core/config/load.ts';
import type { SourceConfig, TypeConfig } from '../../core/config/schema.ts';
import type { Source, SourceDoc } from '../../core/ports.ts';
import { DynamodbSource } from './dynamodb-source.ts';
import { HttpSource } from './http-source.ts';
import { JsonlSource } from './jsonl-source.ts';
import { PostgresSource } from './postgres-source.ts';
import { PostgresPools } from '../postgres/connection.ts';
import type { BackoffOptions } from './retry.ts';

export { DynamodbSource, type DynamodbSourceOptions } from './dynamodb-source.ts';
export { HttpSource, type HttpSourceOptions } from './http-source.ts';
export { JsonlSource, type JsonlSourceOptions } from './jsonl-source.ts';
export { PostgresSource, type PostgresSourceOptions } from './postgres-source.ts';
export { fullJitterDelay, parseRetryAfter, withRetries, type BackoffOptions, type RetryEvent, type Sleep } from './retry.ts';
export { segmentOf } from './segments.ts';
export { openPostgresPool, PostgresPools, translatePgError, type PostgresConnectionDeps } from '../postgres/connection.ts';

/** Clients and settings the sources may need; each is created with defaults when absent. */
export interface SourceDeps {
  /**
   * The client of DynamoDB sources.
   * @default new DynamoDBClient({}) (endpoint and region from the SDK's own configuration)
   */
  dynamodb?: DynamoDBClient | DynamoDBDocumentClient | undefined;
  /**
   * The client reading HTTP sources' `auth.secretId` and Postgres sources' `connection.secretId`.
   * @default new SecretsManagerClient({}), created only when a source names a secret
   */
  secrets?: SecretsManagerClient | undefined;
  /**
   * The fetch of HTTP sources.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch | undefined;
  /**
   * The environment HTTP sources read `auth.env` from. Adapters never read `process.env`
   * themselves: the entry point passes it.
   * @default {} (an `auth.env` source then fails with a message naming the variable)
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * The pools of Postgres sources, shared by every type on the same connection; the runtime
   * makes one and ends it at its shutdown.
   * @default pools of each source's own (see `PostgresSource.close`)
   */
  postgres?: PostgresPools | undefined;
  /** Backoff tuning of every source (tests shorten it). */
  backoff?: BackoffOptions | undefined;
}

/** What a factory gets besides its own config. */
interface FactoryContext {
  deps: SourceDeps;
  idOf: (doc: SourceDoc) => string;
}

type SourceFactories = {
  [K in SourceConfig['type']]: (config: Extract<SourceConfig, { type: K }>, context: FactoryContext) => Source;
};

let defaultDynamodb: DynamoDBClient | undefined;
let defaultSecrets: SecretsManagerClient | undefined;

/** The process's one default Secrets Manager client, made on first use (HTTP sources, Postgres secrets, embedding API keys). */
export function defaultSecretsClient(): SecretsManagerClient {
  return (defaultSecrets ??= new SecretsManagerClient({}));
}

/** The injected Secrets Manager client, else the default one made on first use. */
const secretsOf = (deps: SourceDeps) => deps.secrets ?? defaultSecretsClient;

/**
 * Pools for the Postgres sources of one process (the runtime's), reading secrets and the
 * environment as the sources do. The caller ends them with `close()`.
 */
export function createPostgresPools(deps: SourceDeps = {}): PostgresPools {
  return new PostgresPools({ env: deps.env, secrets: secretsOf(deps) });
}

/** The registry: one factory per source type. */
const factories: SourceFactories = {
  http: (config, { deps, idOf }) =>
    new HttpSource(config, {
      fetch: deps.fetch,
      env: deps.env,
      secrets: config.auth?.secretId === undefined ? deps.secrets : (deps.secrets ?? defaultSecretsClient()),
      idOf,
      backoff: deps.backoff,
    }),
  dynamodb: (config, { deps }) =>
    new DynamodbSource(config, { client: deps.dynamodb ?? (defaultDynamodb ??= new DynamoDBClient({})), backoff: deps.backoff }),
  jsonl: (config, { idOf }) => new JsonlSource(config, { idOf }),
  postgres: (config, { deps }) =>
    new PostgresSource(config, {
      pools: deps.postgres,
      env: deps.env,
      secrets: secretsOf(deps),
      backoff: deps.backoff,
    }),
};

/**
 * The source of one resource type, chosen by `type.source.type`. Documents are identified with
 * the type's `id` function (default `String(doc.id)`).
 *
 * @example
 * const source = createSource(config.types[0], { dynamodb, env: process.env });
 * const doc = await source.get('v-42');
 */
export function createSource(type: TypeConfig, deps: SourceDeps = {}): Source {
  const factory = factories[type.source.type] as (config: SourceConfig, context: FactoryContext) => Source;
  return factory(type.source, { deps, idOf: (doc) => documentId(type, doc) });
}
