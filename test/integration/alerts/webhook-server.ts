/**
 * A local webhook server (node:http) for the alert tests: records every request and answers each
 * path with the responses queued for it, then with a success in the service's own shape.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server received. */
export interface ReceivedRequest {
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** An answer to give. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A running webhook server. */
export interface WebhookServer {
  url: string;
  requests: ReceivedRequest[];
  /** Requests to one path. */
  requestsTo(path: string): ReceivedRequest[];
  /** Answers the next requests to `path` with these, in order. */
  answer(path: string, ...answers: Answer[]): void;
  close(): Promise<void>;
}

/** What each service answers on success: DingTalk and Feishu put a code in the body. */
const SUCCESS: Record<string, unknown> = { '/dingtalk': { errcode: 0, errmsg: 'ok' }, '/feishu': { code: 0, msg: 'success', data: {} } };

/** Starts a server on a free port of 127.0.0.1. */
export async function startWebhookServer(): Promise<WebhookServer> {
  const requests: ReceivedRequest[] = [];
  const queued = new Map<string, Answer[]>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { unparsable: text };
      }
      requests.push({ path: url.pathname, query: url.searchParams, headers: request.headers, body });
      const answer = queued.get(url.pathname)?.shift() ?? { status: 200, body: SUCCESS[url.pathname] ?? 'ok' };
      response.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json', ...answer.headers });
      response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (path) => requests.filter((request) => request.path === path),
    answer: (path, ...answers) => queued.set(path, [...(queued.get(path) ?? []), ...answers]),
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
