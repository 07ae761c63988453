/**
 * The smoke test of issue 5: `npm start` as a child process on free ports; edit a demo movie in
 * the demo CMS, see it through the CLI, rebuild (the generation flips and the edit survives),
 * roll back, and stop with SIGINT leaving no process and no bound port behind. Once with the
 * DynamoDB store, once with the Redis store (needs redis-server on PATH).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portFree } from '../../lambdas/local/dev/ports.ts';
import { readDevState, type DevState } from '../../lambdas/local/dev/state.ts';

const REPO_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
const run = promisify(execFile);

interface Status {
  indexed: boolean;
  generations: { active: number | null; previous: number | null };
  lastBuild: { status: string } | null;
}

/** The demo config as `npm start` runs it, and the same with its index in Redis (a local redis-server). */
const STORES = [
  { store: 'DynamoDB', args: [] as string[] },
  { store: 'Redis', args: ['--config', 'examples/movies/freshindex.redis.config.ts'] },
];

describe.each(STORES)('npm start with the $store store', ({ args }) => {
  let directory: string;
  let stateFile: string;
  let child: ChildProcess;
  let output = '';
  let state: DevState;
  let exited: Promise<number | NodeJS.Signals | null>;

  /** The CLI as a user runs it: a separate process. */
  const freshindex = async (...argv: string[]) => {
    try {
      const { stdout } = await run(TSX, ['bin/freshindex.ts', '--state', stateFile, ...argv], { cwd: REPO_ROOT, timeout: 120_000 });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  };
  const status = async (): Promise<Status> => {
    const response = await fetch(`${state.apiUrl}/v1/types/movie`);
    return (await response.json()) as Status;
  };
  const until = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; output:\n${output.slice(-2000)}`);
      await new Promise((done) => setTimeout(done, 250));
    }
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'freshindex-smoke-'));
    stateFile = join(directory, 'dev.json');
    // Its own process group, so that SIGINT reaches it as Ctrl-C in a terminal does: npm, tsx and node alike.
    child = spawn('npm', ['start', '--', ...args, '--port-base', '0', '--state', stateFile, '--log-level', 'WARN'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    exited = new Promise((done) => child.once('exit', (code, signal) => done(code ?? signal)));
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(async () => /freshindex dev: ready/.test(output), 80_000, 'the ready line');
    state = (await readDevState(stateFile)) as DevState;
    await until(async () => (await status()).lastBuild?.status === 'succeeded', 60_000, 'the initial build');
  }, 150_000);

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    await rm(directory, { recursive: true, force: true });
  });

  it('applies a CMS edit, keeps it through a rebuild and a rollback, and stops cleanly on SIGINT', async () => {
    // Prepare: a movie of the catalog, edited in the demo CMS.
    const page = (await (await fetch(`${state.cmsUrl}/movies?limit=1`)).json()) as { items: Array<{ id: string }> };
    const id = page.items[0]?.id as string;
    const edit = await fetch(`${state.cmsUrl}/movies/${encodeURIComponent(id)}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'IMDB Rating': 9.7 }) });
    const version = ((await edit.json()) as { updatedAt: number }).updatedAt;

    // Assess: the CLI sees the edit, applied through SNS → SQS → the apply handler.
    await until(async () => {
      const record = (await (await fetch(`${state.apiUrl}/v1/types/movie/records/${encodeURIComponent(id)}`)).json()) as { index: { version: number } | null };
      return record.index?.version === version;
    }, 20_000, 'the edit in the index');
    const seen = await freshindex('--json', 'get', 'movie', id);
    expect(seen.code).toBe(0);
    expect(JSON.parse(seen.stdout)).toMatchObject({ index: { version, record: { imdbRating: 9.7 } }, comparison: { equal: true } });

    // Act: rebuild; the generation flips and the record survives it.
    const before = (await status()).generations.active as number;
    const rebuilt = await freshindex('rebuild', 'movie');
    expect(rebuilt.code, rebuilt.stdout).toBe(0);
    const afterRebuild = await status();
    expect(afterRebuild.generations).toMatchObject({ active: before + 1, previous: before });
    const survived = await freshindex('--json', 'get', 'movie', id);
    expect(JSON.parse(survived.stdout)).toMatchObject({ generation: before + 1, index: { record: { imdbRating: 9.7 } } });

    // Act: roll back to the generation before the rebuild.
    const rolledBack = await freshindex('rollback', 'movie');
    expect(rolledBack.code, rolledBack.stdout).toBe(0);
    expect((await status()).generations).toMatchObject({ active: before, previous: before + 1 });

    // Act: Ctrl-C.
    const descendants = descendantsOf(child.pid as number, await processTable());
    expect(descendants.length).toBeGreaterThan(0);
    const ports = [state.apiUrl, state.controlUrl, state.cmsUrl as string, state.endpoints.sqs, state.endpoints.dynamodb].map((url) => Number(new URL(url).port));
    process.kill(-(child.pid as number), 'SIGINT');
    const code = await exited;

    // Assess: a clean exit, no process left, every port free, the state file gone. (npm re-raises
    // the SIGINT on itself once its script has exited, as it does in a terminal.)
    expect([0, 'SIGINT'], output.slice(-1500)).toContain(code);
    expect(output).toContain('freshindex dev: stopped');
    const table = await processTable();
    expect(descendants.filter((pid) => table.has(pid))).toEqual([]);
    for (const port of ports) expect(await portFree(port), `port ${port}`).toBe(true);
    expect(await readDevState(stateFile)).toBeUndefined();
  }, 150_000);
});

/** pid → parent pid of every process, from /proc. */
async function processTable(): Promise<Map<number, number>> {
  const table = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after its last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') table.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended while we read
    }
  }
  return table;
}

function descendantsOf(root: number, table: Map<number, number>): number[] {
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const children = [...table].filter(([, parent]) => frontier.includes(parent)).map(([pid]) => pid);
    found.push(...children);
    frontier = children;
  }
  return found;
}
