/**
 * The ops API served on localhost: the local runtime and tests. The Lambda entry point of the
 * same app is lambdas/handlers/api.ts.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildOpsApp } from '../api/app.ts';
import { consoleRoutes } from '../console/server.ts';
import { isLoopbackHost } from '../api/loopback.ts';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import { createOpsDeps, type ApiOverrides } from '../handlers/api.ts';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions extends ApiOverrides {
  config: FreshindexConfigInput;
  /** @default 0 (a free port) */
  port?: number;
  /** A loopback address: locally the API has no authentication. @default '127.0.0.1' */
  host?: string;
  /** Serve the console at `/console/` (the local runtime does). @default false */
  console?: boolean;
}

/** A running local API. */
export interface ApiServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Serves the ops API on localhost (the local runtime, tests). No authentication: it listens on a
 * loopback address only (any other host is refused) and refuses requests a web page or a rebound
 * host name could send (foreign `Origin`, non-loopback `Host`: 403).
 *
 * @example
 * const server = await startApiServer({ config, port: 4000 });
 * // curl http://127.0.0.1:4000/v1/types
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { config, port = 0, host = '127.0.0.1', console: withConsole = false, ...overrides } = options;
  if (!isLoopbackHost(host)) throw new Error(`the local ops API has no authentication: it listens on loopback only, not on ${host}`);
  const app = buildOpsApp(createOpsDeps(config, overrides), { loopbackOnly: true });
  if (withConsole) consoleRoutes(app);
  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`, app, close: () => app.close() };
}
