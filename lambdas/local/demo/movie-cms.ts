/**
 * The demo CMS: a node:http server that serves the movies with the HTTP source contract of
 * freshindex (docs/local.md) and publishes a change event to SNS for every edit.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { segmentOf } from '../../adapters/sources/segments.ts';
import { MovieCatalog, loadRawMovies, type CatalogChange, type MovieDoc } from './catalog.ts';

export interface MovieCmsOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where edits are announced. Without both, edits are saved and not published. */
  sns?: SNSClient;
  topicArn?: string;
  /** Put the whole document in upsert events (default false: events carry type, id and version, and freshindex reads the CMS). */
  includeDocs?: boolean;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Default: the vega-datasets movies. */
  movies?: readonly Record<string, unknown>[];
  clock?: () => number;
  /** Called when a change event could not be published. Default: one line on stderr. */
  onError?: (error: unknown) => void;
}

/** A running demo CMS. */
export interface MovieCms {
  /** Base URL, e.g. `http://127.0.0.1:4010` (documents under `/movies`). */
  url: string;
  catalog: MovieCatalog;
  close(): Promise<void>;
}

/** The change event published for an edit (docs/change-events.md). */
export interface MovieChangeEvent {
  type: 'movie';
  id: string;
  op: 'upsert' | 'delete';
  version: number;
  occurredAt: string;
  doc?: MovieDoc;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts the demo CMS.
 *
 * @example
 * const cms = await startMovieCms({ sns, topicArn, port: 4010 });
 * await fetch(`${cms.url}/movies/the-land-girls-1998`, { method: 'PATCH', body: JSON.stringify({ 'IMDB Rating': 7.2 }) });
 */
export async function startMovieCms(options: MovieCmsOptions = {}): Promise<MovieCms> {
  const clock = options.clock ?? Date.now;
  const catalog = new MovieCatalog(options.movies ?? loadRawMovies(), clock);
  const publish = async (change: CatalogChange): Promise<void> => {
    if (!options.sns || !options.topicArn) return;
    const event: MovieChangeEvent = { type: 'movie', id: change.id, op: change.op, version: change.version, occurredAt: new Date(clock()).toISOString() };
    if (options.includeDocs && change.doc) event.doc = change.doc;
    await options.sns.send(
      new PublishCommand({
        TopicArn: options.topicArn,
        Message: JSON.stringify(event),
        MessageAttributes: { type: { DataType: 'String', StringValue: 'movie' }, op: { DataType: 'String', StringValue: change.op } },
      }),
    );
  };
  const server = createServer((request, response) => {
    handle(request, response, { catalog, publish, token: options.token, onError: options.onError }).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : 'internal error';
      if (!(error instanceof HttpError)) report(options.onError, error);
      send(response, status, { error: message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    catalog,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface Handling {
  catalog: MovieCatalog;
  publish: (change: CatalogChange) => Promise<void>;
  token: string | undefined;
  onError: ((error: unknown) => void) | undefined;
}

async function handle(request: IncomingMessage, response: ServerResponse, { catalog, publish, token, onError }: Handling): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://cms.local');
  if (url.pathname === '/health') return send(response, 200, { ok: true, movies: catalog.size });
  if (token !== undefined && request.headers.authorization !== `Bearer ${token}`) throw new HttpError(401, 'missing or wrong bearer token');
  if (url.pathname === '/movies' || url.pathname === '/movies/') {
    if (request.method !== 'GET') throw new HttpError(405, 'use GET on /movies');
    return send(response, 200, listMovies(catalog, url));
  }
  const match = /^\/movies\/([^/]+)$/.exec(url.pathname);
  if (!match) throw new HttpError(404, `no route ${url.pathname}`);
  const id = decodeURIComponent(match[1] as string);
  let change: CatalogChange | undefined;
  switch (request.method) {
    case 'GET': {
      const doc = catalog.get(id);
      if (!doc) throw new HttpError(404, `movie ${id} not found`);
      return send(response, 200, doc);
    }
    case 'PUT':
      change = catalog.put(id, await readJsonObject(request));
      break;
    case 'PATCH':
      change = catalog.patch(id, await readJsonObject(request));
      break;
    case 'DELETE':
      change = catalog.delete(id);
      break;
    default:
      throw new HttpError(405, `method ${request.method} not allowed`);
  }
  if (!change) throw new HttpError(404, `movie ${id} not found`);
  try {
    await publish(change);
  } catch (error) {
    report(onError, error);
    // The edit is saved; without its event only the checker or the nightly rebuild will notice it.
    return send(response, 502, { error: 'edit saved but its change event was not published', id, version: change.version });
  }
  if (change.op === 'delete') return send(response, 204);
  return send(response, change.created ? 201 : 200, change.doc);
}

/**
 * `?ids=a,b` answers `{ items }` with the known ones (each id URL-encoded, joined by literal
 * commas); otherwise one page of a scan: `?cursor=&segment=0&segments=1&limit=100` answers
 * `{ items, next?, total }`, where `total` counts the whole collection and `next` is the cursor of
 * the following page, absent on the last one (docs/sources.md).
 *
 * Pages are cut by key, so the cursors are stable: the segment of an id is a stable hash of it
 * (an edit never moves a document between segments) and the cursor is the last id served, the next
 * page starting at the first id after it. A delete or an insert during a scan never shifts a page.
 */
function listMovies(catalog: MovieCatalog, url: URL): Record<string, unknown> {
  const query = url.searchParams;
  const rawIds = /(?:^|&)ids=([^&]*)/.exec(url.search.slice(1))?.[1];
  if (rawIds !== undefined) {
    const items = rawIds
      .split(',')
      .filter((id) => id !== '')
      .flatMap((id) => catalog.get(decodeURIComponent(id.replace(/\+/g, ' '))) ?? []);
    return { items };
  }
  const segments = integer(query.get('segments'), 1, 1, 1_000, 'segments');
  const segment = integer(query.get('segment'), 0, 0, segments - 1, 'segment');
  const limit = integer(query.get('limit'), 100, 1, 1_000, 'limit');
  const cursor = query.get('cursor') ?? '';
  const inSegment = catalog.ids().filter((id) => segmentOf(id, segments) === segment);
  const start = cursor === '' ? 0 : inSegment.findIndex((id) => id > cursor);
  const pageIds = start < 0 ? [] : inSegment.slice(start, start + limit);
  const items = pageIds.flatMap((id) => catalog.get(id) ?? []);
  const last = pageIds.at(-1);
  const more = start >= 0 && start + limit < inSegment.length;
  return { items, ...(more && last !== undefined ? { next: last } : {}), total: catalog.size };
}

function integer(value: string | null, fallback: number, min: number, max: number, name: string): number {
  if (value === null || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new HttpError(400, `${name} must be an integer in ${min}..${max}`);
  return parsed;
}

async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body larger than 1 MB');
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  if (response.headersSent) return;
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

function report(onError: ((error: unknown) => void) | undefined, error: unknown): void {
  if (onError) return onError(error);
  process.stderr.write(`[movies-cms] ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
}
