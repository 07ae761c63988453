/**
 * `npm run bench -- cli-start`: how long the installed CLI takes to print `freshindex --help`,
 * against `node -e 0` on the same machine (goal: at most 3x). It runs the compiled bin
 * (dist/bin/freshindex.js, what `npx freshindex` runs), building dist/ first when it is missing.
 * FRESHINDEX_BENCH_CLI_RUNS sets the runs of each (default 20).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, positiveFromEnv } from './support/table.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../dist/bin/freshindex.js', import.meta.url));

/** Wall-clock milliseconds of one run of `node ...args`. */
function timeRun(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function benchCliStart(): Promise<{ helpMs: number; nodeMs: number; ratio: number }> {
  if (!existsSync(BIN)) {
    console.log('dist/ is missing: npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const runs = positiveFromEnv('FRESHINDEX_BENCH_CLI_RUNS', 20, { integer: true });
  timeRun([BIN, '--help']); // warm the file system cache
  const help: number[] = [];
  const node: number[] = [];
  for (let run = 0; run < runs; run++) {
    help.push(timeRun([BIN, '--help']));
    node.push(timeRun(['-e', '0']));
  }
  const helpMs = median(help);
  const nodeMs = median(node);
  const ratio = helpMs / nodeMs;
  console.log(`freshindex --help: median ${helpMs.toFixed(0)} ms; node -e 0: median ${nodeMs.toFixed(0)} ms; ratio ${ratio.toFixed(1)}x (goal <= 3x), ${runs} runs each`);
  return { helpMs, nodeMs, ratio };
}
