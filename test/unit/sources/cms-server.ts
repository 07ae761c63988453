/**
 * A scripted CMS for the HTTP source's tests: a real node:http server on a free port whose
 * answers a test decides request by request.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the CMS received. */
export interface CmsRequest {
  url: URL;
  headers: IncomingHttpHeaders;
}

/** What the CMS answers; `delayMs` holds the answer back (to provoke timeouts). */
export interface CmsReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface Cms {
  /** The server's base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  requests: CmsRequest[];
  close(): Promise<void>;
}

/** Starts a CMS answering with `reply(request, index)` (index counts from 0). */
export async function startCms(reply: (request: CmsRequest, index: number) => CmsReply): Promise<Cms> {
  const requests: CmsRequest[] = [];
  const server = createServer((req, res) => {
    const request = { url: new URL(req.url ?? '/', 'http://cms.test'), headers: req.headers };
    const answer = reply(request, requests.length);
    requests.push(request);
    const send = () => {
      if (res.destroyed) return;
      const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(body);
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
