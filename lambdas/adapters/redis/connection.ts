/**
 * The Redis / Valkey connection of a deployment: a URL (`rediss://` for TLS, as ElastiCache's
 * in-transit encryption requires) and, optionally, the ARN of a Secrets Manager secret holding the
 * AUTH token. The client is returned at once and queues commands while it reads the token and
 * connects, so the runtime that holds it stays synchronous.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { AbstractConnector, Redis, type RedisOptions } from 'ioredis';
import { StoreError } from '../../core/errors.ts';

/** Where the cache is and how to authenticate (FRESHINDEX_REDIS_URL, FRESHINDEX_REDIS_AUTH_SECRET_ARN). */
export interface RedisConnectionSettings {
  /** `redis://host:port` or `rediss://host:port` (TLS). A password in the URL is used as is. */
  url: string;
  /** A secret whose string value is the AUTH token, read before each connection. */
  authSecretArn?: string | undefined;
}

/** What the connection needs from outside (tests and local runs pass their own). */
export interface RedisConnectionDeps {
  /** Reads a secret's string value. @default Powertools' `SecretsProvider`, each value cached for `secretMaxAgeSeconds` */
  readSecret?: (secretArn: string) => Promise<string>;
  /** How long a read token is reused: a rotated token is picked up by the next connection after this. @default 300 */
  secretMaxAgeSeconds?: number;
  /** Overrides of {@link REDIS_CLIENT_OPTIONS}. */
  clientOptions?: RedisOptions;
}

/**
 * Client settings for Lambda and Batch: fail a command after one reconnection attempt instead of
 * queueing it for minutes, so a store outage surfaces as a retryable `StoreError` while the
 * message can still be redelivered.
 */
export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  commandTimeout: 10_000,
  retryStrategy: (times) => Math.min(times * 100, 1_000),
};

/** Secrets Manager answers that another try cannot fix. */
const PERMANENT_SECRET_ERRORS = /ResourceNotFound|AccessDenied|InvalidRequest|InvalidParameter|DecryptionFailure/;

/**
 * An ioredis client for the settings: TLS when the URL is `rediss:`, the AUTH token read from
 * the secret before every (re)connection, the fail-fast settings above. Without a listener
 * ioredis prints every failed reconnection: the client has one, since the commands that fail
 * reject with errors the adapters translate, which is what callers act on.
 *
 * @example
 * const client = createRedisConnection({ url: env.FRESHINDEX_REDIS_URL, authSecretArn: env.FRESHINDEX_REDIS_AUTH_SECRET_ARN });
 */
export function createRedisConnection(settings: RedisConnectionSettings, deps: RedisConnectionDeps = {}): Redis {
  const tls = settings.url.startsWith('rediss:') ? { tls: {} } : {};
  const options: RedisOptions = { ...REDIS_CLIENT_OPTIONS, ...tls, ...deps.clientOptions };
  if (!settings.authSecretArn) {
    const client = new Redis(settings.url, options);
    client.on('error', () => undefined);
    return client;
  }
  let failedOnSecret = false;
  const readToken = tokenReader(settings.authSecretArn, deps);
  const authenticated = (): Redis => client;
  // Before each (re)connection the connector reads the token and hands it to the handshake.
  class SecretAuthConnector extends AbstractConnector {
    private readonly connection: SocketOptions;

    constructor(options: unknown) {
      const connection = options as SocketOptions;
      super(connection.disconnectTimeout ?? 2_000);
      this.connection = connection;
    }

    async connect(): Promise<Socket | TLSSocket> {
      this.connecting = true;
      let token: string;
      try {
        token = await readToken();
      } catch (error) {
        failedOnSecret = true;
        throw error;
      }
      if (!this.connecting) throw new Error('Connection is closed.');
      const redis = authenticated();
      redis.options.password = token;
      if (redis.condition) redis.condition.auth = redis.options.username ? [redis.options.username, token] : token;
      const { host = '127.0.0.1', port = 6379, tls: tlsOptions } = this.connection;
      this.stream = tlsOptions ? tlsConnect({ host, port, servername: host, ...tlsOptions }) : createConnection({ host, port });
      this.stream.once('error', (error: Error) => (this.firstError = error));
      return this.stream;
    }
  }
  const client = new Redis(settings.url, { ...options, Connector: SecretAuthConnector });
  client.on('error', () => undefined);
  // A secret that could not be read failed the waiting commands with its reason and ended the
  // client: the next command connects (and reads the secret) again.
  client.on('end', () => {
    if (!failedOnSecret) return;
    failedOnSecret = false;
    client.status = 'wait';
  });
  return client;
}

/** What ioredis hands a connector: its options, the URL's host and port parsed in. */
type SocketOptions = RedisOptions & { host?: string; port?: number; tls?: ConnectionOptions; disconnectTimeout?: number };

function tokenReader(secretArn: string, deps: RedisConnectionDeps): () => Promise<string> {
  const maxAge = deps.secretMaxAgeSeconds ?? 300;
  let provider: SecretsProvider | undefined;
  const read = deps.readSecret ?? (async (arn: string) => String(await (provider ??= new SecretsProvider()).get(arn, { maxAge })));
  return async () => {
    try {
      return await read(secretArn);
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
      throw new StoreError(`cannot read the Redis AUTH token from secret ${secretArn}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        retryable: !PERMANENT_SECRET_ERRORS.test(text),
        context: { secretArn },
      });
    }
  };
}
