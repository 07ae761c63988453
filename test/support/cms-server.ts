/**
 * A small, real HTTP CMS for tests: it serves documents under the HTTP source contract
 * (docs/sources.md) and can be told to fail, so retries and dead-lettering are exercised over a
 * real socket rather than a mock.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { segmentOf } from '../../lambdas/adapters/sources/segments.ts';

export type Doc = Record<string, unknown> & { id: string };
export type Fault = 'timeout' | 'unavailable';

export interface CmsServer {
  url: string;
  docs: Map<string, Doc>;
  /** The next `times` requests touching `id` fail with `fault` (Infinity: for good). */
  fail(id: string, fault: Fault, times: number): void;
  /** Requests served per id (item and batch reads). */
  requests(id: string): number;
  stop(): Promise<void>;
}

/** Starts the CMS on a free port. `hangMs` is how long a "timeout" fault keeps the request open. */
export async function startCmsServer(options: { hangMs?: number } = {}): Promise<CmsServer> {
  const docs = new Map<string, Doc>();
  const faults = new Map<string, { fault: Fault; times: number }>();
  const counts = new Map<string, number>();
  const hangMs = options.hangMs ?? 3_000;

  const faultFor = (ids: string[]): Fault | undefined => {
    for (const id of ids) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      const entry = faults.get(id);
      if (entry && entry.times > 0) {
        entry.times -= 1;
        return entry.fault;
      }
    }
    return undefined;
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://cms');
    const item = url.pathname.match(/^\/docs\/([^/]+)$/);
    const ids = item ? [decodeURIComponent(item[1] as string)] : (url.searchParams.get('ids')?.split(',').filter(Boolean) ?? []);
    const fault = faultFor(ids);
    if (fault === 'timeout') {
      const timer = setTimeout(() => send(res, 504, { error: 'too late' }), hangMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (fault === 'unavailable') return send(res, 503, { error: 'unavailable' });
    if (item) {
      const doc = docs.get(ids[0] as string);
      return doc ? send(res, 200, doc) : send(res, 404, { error: 'not found' });
    }
    if (url.pathname === '/docs' && url.searchParams.has('ids')) {
      return send(res, 200, { items: ids.map((id) => docs.get(id)).filter(Boolean) });
    }
    if (url.pathname === '/docs') {
      // Keyset paging: a stable hash of the id picks the segment, the cursor is the last id served,
      // so documents inserted or deleted during a scan never shift a page (docs/sources.md).
      const segment = Number(url.searchParams.get('segment') ?? 0);
      const segments = Number(url.searchParams.get('segments') ?? 1);
      const limit = Number(url.searchParams.get('limit') || 100);
      const after = url.searchParams.get('cursor') ?? '';
      const rest = [...docs.keys()].filter((id) => id > after && segmentOf(id, segments) === segment).sort();
      const page = rest.slice(0, limit).map((id) => docs.get(id));
      const next = rest.length > limit ? rest[limit - 1] : undefined;
      return send(res, 200, { items: page, ...(next ? { next } : {}), total: docs.size });
    }
    send(res, 404, { error: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    docs,
    fail: (id, fault, times) => faults.set(id, { fault, times }),
    requests: (id) => counts.get(id) ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The HTTP source config of a type served by `cms` (its cursors are stable: keyset paging). */
export function cmsSource(cms: CmsServer, overrides: Record<string, unknown> = {}) {
  return {
    type: 'http' as const,
    stableCursors: true,
    itemUrl: `${cms.url}/docs/{id}`,
    batchUrl: `${cms.url}/docs?ids={ids}`,
    pageUrl: `${cms.url}/docs?cursor={cursor}&segment={segment}&segments={segments}&limit={limit}`,
    timeoutMs: 300,
    retries: 2,
    ...overrides,
  };
}
