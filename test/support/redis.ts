/**
 * A real, throw-away `redis-server` for the integration suite: on a free port, without
 * persistence, killed on `stop()`. The suite requires redis-server (CI installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createRedisStores, type RedisStores } from '../../lambdas/adapters/redis/index.ts';

export interface RedisTestServer {
  url: string;
  port: number;
  /** A new client of this server; the caller quits it. */
  client(): Redis;
  /** Empties the server (between tests). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** How a test server is reached: a password (`requirepass`, as an ElastiCache AUTH token), TLS only. */
export interface RedisServerOptions {
  password?: string;
  /** PEM files: the server then listens on TLS only, and `url` is `rediss://`. */
  tls?: { certFile: string; keyFile: string; ca: string };
}

/** Starts a redis-server. Call in `beforeAll`, stop in `afterAll`. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisTestServer> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('redis-server is required by the integration suite but not installed: apt-get install redis-server (CI installs it)');
  }
  const port = await freePort();
  const listen = options.tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const auth = options.password ? ['--requirepass', options.password] : [];
  const child = spawn('redis-server', [...listen, ...auth, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  const access = { ...(options.password ? { password: options.password } : {}), ...(options.tls ? { tls: { ca: options.tls.ca } } : {}) };
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...access });
  // Failures surface through the commands; the connection's own error events are noise here.
  admin.on('error', () => undefined);
  await waitForPing(admin, child);
  return {
    url,
    port,
    client() {
      const client = new Redis(url, { maxRetriesPerRequest: 1, ...access });
      client.on('error', () => undefined);
      return client;
    },
    async flush() {
      await admin.flushall();
    },
    async stop() {
      admin.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** What `useRedis()` hands a suite: read its fields inside hooks and tests, once `beforeAll` has run. */
export interface RedisFixture {
  readonly server: RedisTestServer;
  /** A client of `server`, owned by the fixture. */
  readonly client: Redis;
  /** Stores on `client` (key prefix `fi:`, tombstones kept an hour). */
  readonly stores: RedisStores;
}

/**
 * One redis-server for the calling `describe`: started with a client and stores in `beforeAll`,
 * emptied before each test, stopped in `afterAll`.
 *
 * @example
 * const redis = useRedis();
 * it('…', async () => {
 *   await redis.stores.catchUp.record('video', 3, ['a']);
 *   expect(await redis.client.ttl('fi:c:{video}:3')).toBeGreaterThan(0);
 * });
 */
export function useRedis(): RedisFixture {
  let started: RedisFixture | undefined;
  beforeAll(async () => {
    const server = await startRedis();
    const client = server.client();
    started = { server, client, stores: createRedisStores({ client, tombstoneTtlSeconds: 3600 }) };
  });
  afterAll(async () => {
    if (!started) return;
    await started.stores.close();
    started.client.disconnect();
    await started.server.stop();
  });
  beforeEach(async () => fixture().server.flush());
  const fixture = (): RedisFixture => {
    if (!started) throw new Error('useRedis(): the server is not started yet; read it inside hooks and tests');
    return started;
  };
  return {
    get server() {
      return fixture().server;
    },
    get client() {
      return fixture().client;
    },
    get stores() {
      return fixture().stores;
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForPing(admin: Redis, child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}: ${stderr.trim()}`);
    try {
      if (admin.status !== 'ready') await admin.connect();
      if ((await admin.ping()) === 'PONG') return;
    } catch {
      admin.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer PING within 10 s: ${stderr.trim()}`);
}
