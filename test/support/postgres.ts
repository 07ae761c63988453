/**
 * A real, throw-away PostgreSQL server for the integration suite: a fresh cluster in a temporary
 * directory, on a free loopback port, without fsync, removed on `stop()`. The suite requires
 * PostgreSQL's server binaries (Debian's `postgresql` package; CI installs it). PostgreSQL refuses
 * to run as root, so under root the server runs as the `postgres` user the package creates.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface PostgresTestServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication on loopback). */
  url: string;
  port: number;
  /** A new pool on this server's `postgres` database; the caller ends it. */
  pool(options?: pg.PoolConfig): pg.Pool;
  /** Drops every table, function and trigger of the `public` schema (between tests). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Server settings passed as `-c name=value`, e.g. `{ wal_level: 'logical' }`. */
export type PostgresSettings = Record<string, string>;

/** Starts a PostgreSQL server. Call in `beforeAll`, stop in `afterAll`. */
export async function startPostgres(settings: PostgresSettings = {}): Promise<PostgresTestServer> {
  const bin = serverBinaries();
  const owner = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'freshindex-pg-'));
  const dataDir = join(dir, 'data');
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C'], {
    ...as,
    encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const options = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '100', ...settings };
  const args = ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir, ...Object.entries(options).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const child = spawn(join(bin, 'postgres'), args, { ...as, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4_000);
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  admin.on('error', () => undefined);
  await waitForServer(admin, child, () => log);
  return {
    url,
    port,
    pool(extra = {}) {
      const pool = new pg.Pool({ connectionString: url, ...extra });
      pool.on('error', () => undefined);
      return pool;
    },
    async reset() {
      await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    },
    async stop() {
      await admin.end();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT'); // fast shutdown
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What `usePostgres()` hands a suite: read its fields inside hooks and tests, once `beforeAll` has run. */
export interface PostgresFixture {
  readonly server: PostgresTestServer;
  /** A pool on `server`, owned by the fixture. */
  readonly pool: pg.Pool;
}

/**
 * One PostgreSQL server for the calling `describe`: started with a pool in `beforeAll`, its
 * `public` schema emptied before each test, stopped in `afterAll`.
 */
export function usePostgres(settings: PostgresSettings = {}): PostgresFixture {
  let server: PostgresTestServer | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    server = await startPostgres(settings);
    pool = server.pool({ max: 4 });
  }, 60_000);
  beforeEach(async () => {
    await server?.reset();
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('usePostgres: the server starts in beforeAll');
      return server;
    },
    get pool() {
      if (!pool) throw new Error('usePostgres: the pool opens in beforeAll');
      return pool;
    },
  };
}

/** The directory of `initdb` and `postgres`: the newest under /usr/lib/postgresql (Debian), else the one on PATH. */
function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return join(root, newest, 'bin');
  const which = spawnSync('sh', ['-c', 'dirname "$(readlink -f "$(command -v initdb)")"'], { encoding: 'utf8' });
  const dir = which.status === 0 ? which.stdout.trim() : '';
  if (dir && existsSync(join(dir, 'postgres'))) return dir;
  throw new Error('PostgreSQL server binaries are required by the integration suite but not installed: apt-get install postgresql (CI installs it)');
}

/** Under root, the `postgres` user (PostgreSQL will not run as root); otherwise nobody to switch to. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root needs the postgres user to start PostgreSQL (apt-get install postgresql creates it)');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function waitForServer(pool: pg.Pool, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${log()}`);
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres did not answer within 30 s: ${(error as Error).message}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
