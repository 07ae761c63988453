/**
 * Finds or creates the Python virtual environment the Feast row runs in: `feast[redis]` at
 * FEAST_VERSION, in BENCH_FEAST_VENV or `.bench-cache/feast-<version>` at the repository's root
 * (gitignored). Created once, with `python3 -m venv` and pip; later runs find it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEAST_VERSION } from './plan.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A usable environment, or why there is none (the row is then skipped with that reason). */
export type FeastEnv = { python: string; feast: string; dir: string } | { missing: string };

interface Ran {
  ok: boolean;
  stdout: string;
  /** The last lines of stderr (or why the command could not start), for a message. */
  why: string;
}

/** Runs a command to its end; never throws. */
export function run(command: string, args: readonly string[], cwd?: string): Ran {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const stderr = (result.stderr ?? '').trim().split('\n').slice(-6).join('\n');
  const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}: ${stderr}`;
  return { ok: result.status === 0, stdout: result.stdout ?? '', why };
}

function installed(python: string): boolean {
  return existsSync(python) && run(python, ['-c', 'import feast; print(feast.__version__)']).stdout.trim() === FEAST_VERSION;
}

/** The Feast environment: found, or created (python3, its venv module and pip from PyPI). */
export function feastEnv(print: (line: string) => void): FeastEnv {
  const dir = process.env['BENCH_FEAST_VENV'] ?? join(ROOT, '.bench-cache', `feast-${FEAST_VERSION}`);
  const env = { python: join(dir, 'bin', 'python'), feast: join(dir, 'bin', 'feast'), dir };
  if (installed(env.python)) return env;
  const python3 = run('python3', ['--version']);
  if (!python3.ok) return { missing: `python3 is not on PATH (${python3.why})` };
  if (!existsSync(env.python)) {
    print(`creating a virtual environment for Feast in ${dir}...`);
    const venv = run('python3', ['-m', 'venv', dir]);
    if (!venv.ok) return { missing: `python3 -m venv ${dir} failed, is python3's venv module installed? (${venv.why})` };
  }
  print(`installing feast[redis]==${FEAST_VERSION} into ${dir} with pip (once; a few minutes)...`);
  const pip = run(env.python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `feast[redis]==${FEAST_VERSION}`]);
  if (!pip.ok) return { missing: `pip could not install feast[redis]==${FEAST_VERSION} into ${dir} (${pip.why})` };
  if (!installed(env.python)) return { missing: `feast ${FEAST_VERSION} does not import in ${dir} after pip install` };
  return env;
}
