/**
 * The jobs CLI (lambdas/jobs/cli.ts) compiled once per test file with esbuild, its packages left
 * to node_modules, for the tests that run jobs as child processes: each child then starts on
 * plain `node` instead of loading tsx and compiling the job's modules again (about 1.5 s of CPU
 * a child). The file sits under node_modules/.cache so that its imports resolve as the source's do,
 * and goes when the test file's process exits.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The jobs CLI's source. */
export const JOBS_CLI_SOURCE = join(REPO, 'lambdas/jobs/cli.ts');

let compiled: Promise<string> | undefined;

/** The path of the compiled jobs CLI, run with `node <path> <args>`. */
export function compiledJobsCli(): Promise<string> {
  compiled ??= compile();
  return compiled;
}

async function compile(): Promise<string> {
  const directory = join(REPO, 'node_modules/.cache/freshindex-tests');
  mkdirSync(directory, { recursive: true });
  const outfile = join(directory, `jobs-cli-${process.pid}-${process.env['VITEST_POOL_ID'] ?? 0}.mjs`);
  process.once('exit', () => rmSync(outfile, { force: true }));
  await build({ entryPoints: [JOBS_CLI_SOURCE], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node22', packages: 'external', sourcemap: 'inline', logLevel: 'warning' });
  return outfile;
}
