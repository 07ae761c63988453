/**
 * Vitest global setup of the `integration-moto` project: starts one `moto_server` per worker on
 * free ports (or uses MOTO_ENDPOINT, one server, when given) and provides their endpoints to the
 * tests. Each file resets the server it uses, so two files never share one at the same time: a
 * file takes the server of its worker (`motoEndpoint()`), and vitest runs one file per worker at a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../lambdas/local/dev/ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One moto_server per worker of the `integration-moto` project (absent in the other projects). */
    motoEndpoints?: string[];
  }
}

const children: ChildProcess[] = [];

export async function setup(project: TestProject): Promise<void> {
  const given = process.env['MOTO_ENDPOINT'];
  if (given) return project.provide('motoEndpoints', [given]);
  const workers = Math.max(1, project.config.maxWorkers ?? project.vitest.config.maxWorkers ?? 1);
  const started = await Promise.all(Array.from({ length: workers }, () => spawnMoto()));
  children.push(...started.map((server) => server.child));
  project.provide('motoEndpoints', started.map((server) => server.endpoint));
}

export async function teardown(): Promise<void> {
  await Promise.all(children.map((child) => stopMoto(child)));
}

/**
 * The moto_server of this test file's worker when the `integration-moto` project runs it
 * (VITEST_POOL_ID, 1 to maxWorkers, is unique among the files running at once), else undefined.
 */
export function motoEndpoint(): string | undefined {
  const endpoints = inject('motoEndpoints');
  if (!endpoints?.length) return undefined;
  const worker = Number(process.env['VITEST_POOL_ID'] ?? 1);
  return endpoints[(worker - 1) % endpoints.length];
}

/**
 * A moto_server of the caller's own, for a file of the `integration` project that needs a
 * service the embedded emulators lack (Secrets Manager, CloudWatch). Reuses the worker's server
 * (`motoEndpoint()`) when the `integration-moto` project provides one. `stop()` ends only a server it started.
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
