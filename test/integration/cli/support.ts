/**
 * Helpers of the CLI tests: one local runtime per test file (started in-process on free ports,
 * with its own state file) and the CLI run in-process with its output captured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeStacks } from '../../../bin/freshindex.ts';
import { runCli, type CliIo } from '../../../lambdas/cli/program.ts';
import { startDevRuntime, type DevRuntime } from '../../../lambdas/local/dev/runtime.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const DEMO_CONFIG = join(REPO_ROOT, 'examples/movies/freshindex.config.ts');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process against `stateFile`, capturing what it prints. */
export async function cli(argv: readonly string[], stateFile: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    env: { FRESHINDEX_STATE_FILE: stateFile, PATH: process.env['PATH'], ...env },
    cwd: REPO_ROOT,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Runs the CLI in-process with `--endpoint endpoint`, capturing what it prints (a terminal stand-in for progress bars). */
export async function cliAt(endpoint: string, argv: readonly string[], progressStream?: NodeJS.WriteStream): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), env: {}, cwd: process.cwd(), ...(progressStream ? { progressStream } : {}) };
  const code = await runCli(['--endpoint', endpoint, ...argv], io);
  return { code, stdout, stderr };
}

/** Serves `app` on a free loopback port; returns its URL. */
export async function serveOnLoopback(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export interface TestRuntime {
  runtime: DevRuntime;
  stateFile: string;
  stop(): Promise<void>;
}

/** Starts the local runtime on free ports and waits for its initial build. */
export async function startTestRuntime(): Promise<TestRuntime> {
  const directory = await mkdtemp(join(tmpdir(), 'freshindex-cli-'));
  const stateFile = join(directory, 'dev.json');
  const runtime = await startDevRuntime({
    configPath: DEMO_CONFIG,
    synthesize: synthesizeStacks,
    portBase: 0,
    stateFile,
    logLevel: 'SILENT',
    cwd: REPO_ROOT,
    log: () => {},
  });
  for (const id of runtime.initialJobs) {
    const job = await runtime.jobs.wait(id);
    if (job?.status !== 'succeeded') throw new Error(`the initial build failed: ${job?.output.slice(-5).join('\n')}`);
  }
  return {
    runtime,
    stateFile,
    async stop() {
      await runtime.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it holds. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
