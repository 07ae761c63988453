/**
 * A CMS serving documents over HTTP the way docs/sources.md describes (item, batch and segmented
 * page URLs), from a map the test edits. Pages and batches can be slowed down, so a job run in a
 * child process can be killed in the middle of a phase.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SourceDoc } from '../../../../lambdas/core/ports.ts';
import { segmentOf } from '../../../../lambdas/adapters/sources/segments.ts';

export interface DocumentCms {
  url: string;
  docs: Map<string, SourceDoc>;
  /** Delay of every page and batch answer. */
  delayMs: number;
  /** Items per page at most, whatever the caller asks. */
  maxPage: number;
  /** The `total` the pages announce (default: the real count). */
  announcedTotal: number | undefined;
  /**
   * How pages are cut. `keyset` (default): the cursor is the last id served, stable under inserts
   * and deletes. `offset`: the cursor is a position in the segment's current ids, like many
   * users' APIs, so a delete behind the cursor shifts the later pages.
   */
  paging: 'keyset' | 'offset';
  /** The source config of a type reading this CMS. */
  sourceConfig(): { type: 'http'; stableCursors: boolean; itemUrl: string; batchUrl: string; pageUrl: string; timeoutMs: number };
  close(): Promise<void>;
}

export async function startDocumentCms(docs: Map<string, SourceDoc> = new Map()): Promise<DocumentCms> {
  const cms: Omit<DocumentCms, 'url' | 'sourceConfig' | 'close'> = { docs, delayMs: 0, maxPage: 100, announcedTotal: undefined, paging: 'keyset' };
  const answer = (url: URL): { status: number; body?: unknown } => {
    const [, kind, id] = url.pathname.split('/');
    if (kind === 'items' && id) {
      const doc = docs.get(decodeURIComponent(id));
      return doc ? { status: 200, body: doc } : { status: 404 };
    }
    if (kind === 'batch') {
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
      return { status: 200, body: ids.flatMap((one) => (docs.has(one) ? [docs.get(one)] : [])) };
    }
    if (kind === 'scan') {
      const segments = Number(url.searchParams.get('segments') ?? 1);
      const segment = Number(url.searchParams.get('segment') ?? 0);
      const cursor = url.searchParams.get('cursor') ?? '';
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), cms.maxPage);
      const ids = [...docs.keys()].sort().filter((one) => segmentOf(one, segments) === segment);
      const offset = cms.paging === 'offset' ? Number(cursor || 0) : 0;
      const rest = cms.paging === 'offset' ? ids.slice(offset) : ids.filter((one) => one > cursor);
      const items = rest.slice(0, limit).map((one) => docs.get(one));
      const next = rest.length <= limit ? undefined : cms.paging === 'offset' ? String(offset + limit) : rest[limit - 1];
      return { status: 200, body: { items, ...(next ? { next } : {}), total: cms.announcedTotal ?? docs.size } };
    }
    return { status: 404 };
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cms.test');
    const slow = url.pathname.startsWith('/scan') && url.searchParams.get('limit') !== '1';
    const send = () => {
      const { status, body } = answer(url);
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const delay = slow || url.pathname.startsWith('/batch') ? cms.delayMs : 0;
    if (delay > 0) setTimeout(send, delay).unref();
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(cms, {
    url,
    sourceConfig: () => ({
      type: 'http' as const,
      stableCursors: cms.paging === 'keyset',
      itemUrl: `${url}/items/{id}`,
      batchUrl: `${url}/batch?ids={ids}`,
      pageUrl: `${url}/scan?cursor={cursor}&segment={segment}&segments={segments}&limit={limit}`,
      timeoutMs: 10_000,
    }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
