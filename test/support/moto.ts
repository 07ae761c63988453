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
  if (!endpoint) {
    const port = await freePort();
    child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    endpoint = `http://127.0.0.1:${port}`;
    await waitUntilUp(endpoint, child);
  }
  project.provide('motoEndpoint', endpoint);
}

export async function teardown(): Promise<void> {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child?.once('exit', resolve));
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
