/**
 * Vitest global setup of the `integration-moto` project: starts `moto_server` on a free port
 * (or uses MOTO_ENDPOINT when given) and provides its endpoint to the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../lambdas/local/dev/ports.ts';

let child: ChildProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  let endpoint = process.env['MOTO_ENDPOINT'];
  if (!endpoint) ({ endpoint, child } = await spawnMoto());
  project.provide('motoEndpoint', endpoint);
}

export async function teardown(): Promise<void> {
  await stopMoto(child);
}

/**
 * A moto_server of the caller's own, for a file of the `integration` project that needs a
 * service the embedded emulators lack (Secrets Manager, CloudWatch). Reuses `motoEndpoint`
 * when the `integration-moto` project provides one. `stop()` ends only a server it started.
 */
export async function useMotoServer(provided: string | undefined): Promise<{ endpoint: string; stop(): Promise<void> }> {
  if (provided) return { endpoint: provided, stop: async () => {} };
  const started = await spawnMoto();
  return { endpoint: started.endpoint, stop: () => stopMoto(started.child) };
}

async function spawnMoto(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const started = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilUp(endpoint, started);
  return { endpoint, child: started };
}

async function stopMoto(started: ChildProcess | undefined): Promise<void> {
  if (started && started.exitCode === null) {
    started.kill('SIGTERM');
    await new Promise((resolve) => started.once('exit', resolve));
  }
}

async function waitUntilUp(endpoint: string, process: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`moto_server exited with code ${process.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within 30 s`);
}
