/**
 * A throw-away `redis-server` for configs that select the Redis store: no persistence, loopback
 * only, stopped with the runtime. The local stand-in of ElastiCache.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** Where `redis-server` is on PATH, or `undefined`. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { env, encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : undefined;
}

export interface LocalRedis {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts `redis-server` on `port` and resolves once it accepts connections. */
export async function startLocalRedis(binary: string, port: number, timeoutMs = 10_000): Promise<LocalRedis> {
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${timeoutMs} ms: ${output.slice(-300)}`)), timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (code ${code}): ${output.trim().split('\n').slice(-2).join(' ')}`));
    });
    child.once('error', reject);
  });
  const exited = once(child, 'exit').then(() => undefined);
  try {
    await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A function's or job's environment from the template, pointed at the local redis-server: its
 * URL instead of the cache's, and no AUTH secret (the local server has no password).
 */
export function withLocalRedis(env: Readonly<Record<string, string>>, redisUrl: string | undefined): Record<string, string> {
  if (!redisUrl) return { ...env };
  const { FRESHINDEX_REDIS_AUTH_SECRET_ARN: _secret, ...rest } = env;
  return { ...rest, FRESHINDEX_REDIS_URL: redisUrl };
}
