/**
 * The Redis connection from a deployment's settings (lambdas/adapters/redis/connection.ts), against
 * real redis-servers: one requiring a password (an ElastiCache AUTH token), one on TLS only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, createRedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { initialPointer } from '../../../lambdas/core/pointer.ts';
import { startRedis, type RedisTestServer } from '../../support/redis.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:freshindex-cache-token-AbCdEf';
const TOKEN = 'a'.repeat(32) + 'B1';

/** A secret store standing in for Secrets Manager: the value by ARN, or the error it answers with. */
function secrets(initial: string | Error) {
  let value: string | Error = initial;
  let reads = 0;
  return {
    set: (next: string | Error) => (value = next),
    get reads() {
      return reads;
    },
    readSecret: async (arn: string) => {
      reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (arn !== SECRET_ARN) throw Object.assign(new Error(`no secret ${arn}`), { name: 'ResourceNotFoundException' });
      if (value instanceof Error) throw value;
      return value;
    },
  };
}

describe('a Redis connection with its AUTH token in a secret', () => {
  let server: RedisTestServer;
  beforeAll(async () => {
    server = await startRedis({ password: TOKEN });
  });
  afterAll(async () => server.stop());

  it('reads the token before connecting and serves the commands sent meanwhile', async () => {
    // Prepare: the stores as the runtime builds them, synchronously, from the URL and the secret's ARN.
    const secret = secrets(TOKEN);
    const stores = createRedisStores({ url: server.url, authSecretArn: SECRET_ARN, connection: { readSecret: secret.readSecret }, tombstoneTtlSeconds: 3600 });

    // Act: commands sent at once, before the secret has answered.
    const [missing] = await Promise.all([stores.store.readPointer('video'), stores.store.swapPointer(undefined, initialPointer('video', 1))]);
    const pointer = await stores.store.readPointer('video');
    await stores.close();

    // Assess: one read of the secret served them all.
    expect(missing).toBeUndefined();
    expect(pointer).toMatchObject({ type: 'video', active: 1 });
    expect(secret.reads).toBe(1);
  });

  it('fails the waiting commands with the reason the secret gave, then connects on a later command once it is readable', async () => {
    // Prepare: a role that may not read the secret yet.
    const secret = secrets(Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));
    const client = createRedisConnection({ url: server.url, authSecretArn: SECRET_ARN }, { readSecret: secret.readSecret });

    // Act
    const refused = await client.ping().catch((error: unknown) => error);
    secret.set(TOKEN);
    // The next invocation, not the same tick: the refused attempt has wound down by then.
    await new Promise((resolve) => setImmediate(resolve));
    const answered = await client.ping();
    client.disconnect();

    // Assess: a permanent StoreError naming the secret, and no stuck client afterwards.
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({ retryable: false, message: expect.stringContaining(SECRET_ARN) });
    expect((refused as Error).message).toContain('not authorized');
    expect(answered).toBe('PONG');
  });

  it('reads the secret again when it reconnects, so a rotated token is used by the next connection', async () => {
    // Prepare: a connected client.
    const secret = secrets(TOKEN);
    const client = createRedisConnection({ url: server.url, authSecretArn: SECRET_ARN }, { readSecret: secret.readSecret });
    await client.set('k', 'v');
    const rotated = `${TOKEN}rotated`;
    const admin = server.client();

    // Act: the token rotates on the server and in the secret; the server drops the connection.
    await admin.config('SET', 'requirepass', rotated);
    secret.set(rotated);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    const value = await until(() => client.get('k'));
    await admin.config('SET', 'requirepass', TOKEN);
    admin.disconnect();
    client.disconnect();

    // Assess
    expect(value).toBe('v');
    expect(secret.reads).toBeGreaterThanOrEqual(2);
  });
});

describe('a Redis connection to a rediss:// URL', () => {
  let server: RedisTestServer;
  let directory: string;
  let ca: string;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'freshindex-tls-'));
    const [certFile, keyFile] = [join(directory, 'cert.pem'), join(directory, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    ca = readFileSync(certFile, 'utf8');
    server = await startRedis({ password: TOKEN, tls: { certFile, keyFile, ca } });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('speaks TLS and authenticates with the token', async () => {
    // Prepare: the URL the CDK gives the functions, the certificate's authority trusted.
    const client = createRedisConnection({ url: server.url, authSecretArn: SECRET_ARN }, { readSecret: secrets(TOKEN).readSecret, clientOptions: { tls: { ca } } });

    // Act
    const answer = await client.ping();
    client.disconnect();

    // Assess
    expect(server.url).toMatch(/^rediss:/);
    expect(answer).toBe('PONG');
  });

  it('refuses a server whose certificate it cannot verify, with a retryable error', async () => {
    // Prepare: no authority given: the system's roots do not know this self-signed certificate.
    const stores = createRedisStores({ url: server.url, authSecretArn: SECRET_ARN, connection: { readSecret: secrets(TOKEN).readSecret, clientOptions: { retryStrategy: () => null } }, tombstoneTtlSeconds: 3600 });

    // Act
    const refused = await stores.store.readPointer('video').catch((error: unknown) => error);
    await stores.close();

    // Assess
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({ retryable: true });
  });
});

async function until<T>(read: () => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
