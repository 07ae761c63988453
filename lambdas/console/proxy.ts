/**
 * `freshindex console --endpoint URL`: the console for a deployed stack. A server on loopback
 * serves the page and forwards its API calls (`/v1/...`) to the deployed ops API, each signed
 * with SigV4 from the operator's credentials: IAM stays the only way in, and no secret reaches
 * the browser. It refuses what a web page of another origin or a rebound host name could send
 * (lambdas/api/loopback.ts), so no other site can borrow the operator's credentials through it.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SignatureV4 } from '@smithy/signature-v4';
import { guardLoopback, isLoopbackHost } from '../api/loopback.ts';
import { installProblemAnswers } from '../api/routing.ts';
import { problem, sendProblem } from '../api/problems.ts';
import { signedHeaders } from '../cli/http.ts';
import { consoleRoutes } from './server.ts';

/** Options of {@link startConsoleProxy}. */
export interface ConsoleProxyOptions {
  /** The deployed ops API (its ApiUrl output). */
  endpoint: string;
  /** Signs every forwarded call; undefined forwards unsigned (an ops API on loopback). */
  signer: SignatureV4 | undefined;
  /** @default 0 (a free port) */
  port?: number;
  /** A loopback address. @default '127.0.0.1' */
  host?: string;
  /** How long a forwarded call may take. @default 30 s */
  timeoutMs?: number;
  /** Where failures of forwarded calls are reported. */
  log?: (line: string) => void;
}

/** A running console proxy. */
export interface ConsoleProxy {
  /** The console's URL (`http://127.0.0.1:PORT/console/`). */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The request headers forwarded (and signed); no cookie, no browser header leaves the machine. */
const FORWARDED = ['accept', 'content-type'] as const;

/** Starts the proxy; see the module's description. */
export async function startConsoleProxy(options: ConsoleProxyOptions): Promise<ConsoleProxy> {
  const { port = 0, host = '127.0.0.1' } = options;
  if (!isLoopbackHost(host)) throw new Error(`the console proxy signs with your credentials: it listens on loopback only, not on ${host}`);
  const base = options.endpoint.replace(/\/+$/, '');
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 2_048 }, bodyLimit: 1_048_576 });
  installProblemAnswers(app, { info: () => {}, error: (message, attributes) => options.log?.(`${message} ${JSON.stringify(attributes ?? {})}`) });
  guardLoopback(app);
  // Bodies are forwarded as they came, byte for byte: the signature covers them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  consoleRoutes(app);
  app.route({ method: ['GET', 'POST', 'DELETE'], url: '/v1/*', handler: (request, reply) => forward(request, reply, base, options) });
  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/console/`, app, close: () => app.close() };
}

async function forward(request: FastifyRequest, reply: FastifyReply, base: string, options: ConsoleProxyOptions): Promise<FastifyReply> {
  const url = new URL(base + request.url);
  const body = typeof request.body === 'string' && request.body !== '' ? request.body : undefined;
  let headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  let response: Response;
  try {
    if (options.signer) headers = await signedHeaders(options.signer, request.method, url, headers, body);
    response = await fetch(url, { method: request.method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  } catch (error) {
    options.log?.(`${request.method} ${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`);
    const answer = problem(502, request, '');
    return sendProblem(reply, { ...answer, title: 'The deployed ops API cannot be reached', detail: `No answer from ${url.host} (or your AWS credentials could not sign the call): see the console command's output.` });
  }
  const type = response.headers.get('content-type');
  if (type) reply.type(type);
  return reply.code(response.status).send(Buffer.from(await response.arrayBuffer()));
}
