/**
 * A CMS's REST API as a `Source`. The contract the CMS serves is in docs/sources.md.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { describeError, isRetryable, PartialReadError, SourceError } from '../../core/errors.ts';
import type { HttpSourceConfig } from '../../core/config/schema.ts';
import type { ScanOptions, Source, SourceDoc } from '../../core/ports.ts';
import { HttpAuth, type HttpAuthDeps } from './http-auth.ts';
import { parseRetryAfter, RETRY_AFTER_MS, withRetries, type BackoffOptions } from './retry.ts';
import { identify } from './documents.ts';
import { checkSegment } from './segments.ts';

/** What an HTTP source takes from outside; all optional. */
export interface HttpSourceOptions extends HttpAuthDeps {
  /**
   * The fetch implementation.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch | undefined;
  /**
   * The id of a document of a batch answer.
   * @default String(doc.id)
   */
  idOf?: ((doc: SourceDoc) => string) | undefined;
  /**
   * Item GETs (or batch calls) in flight at once in `getMany`.
   * @default 8
   */
  concurrency?: number | undefined;
  /** Backoff tuning (defaults: 100 ms base, 5 s cap, Retry-After waited up to 10 s). */
  backoff?: BackoffOptions | undefined;
}

/** A page of a scan, as the CMS answers it. */
interface Page {
  items: SourceDoc[];
  next: string | undefined;
  total: number | undefined;
}

/** The default page size of a scan when the caller gives none. */
const DEFAULT_PAGE_SIZE = 100;

const TEMPLATE_VARIABLE = /\{(id|ids|cursor|segment|segments|limit)\}/g;

/**
 * Reads documents from a CMS's REST API: `itemUrl` for one, `batchUrl` (or parallel item GETs)
 * for many, `pageUrl` for a scan. Every request has a timeout and is retried with exponential
 * backoff and full jitter on 429, 5xx, timeouts and network errors. `getMany` answers each id
 * on its own (see `Source.getMany`): a 404 is a delete, a 5xx fails only its id, a 401/403 fails
 * as `widespread`, and a batch call refused for good is asked again id by id.
 *
 * @example
 * const source = new HttpSource(httpSourceSchema.parse({
 *   type: 'http',
 *   itemUrl: 'https://cms.example.com/api/videos/{id}',
 *   pageUrl: 'https://cms.example.com/api/videos?cursor={cursor}&limit={limit}',
 *   auth: { env: 'CMS_TOKEN', prefix: 'Bearer ' },
 * }), { env: process.env });
 */
export class HttpSource implements Source {
  /** True when the config says the CMS's cursors are stable (`stableCursors`): the rebuild then skips its reconciliation. */
  readonly stableScan: boolean;
  private readonly fetch: typeof globalThis.fetch;
  private readonly auth: HttpAuth;
  private readonly idOf: (doc: SourceDoc) => string;
  private readonly limit: LimitFunction;
  private readonly segmented: boolean;

  constructor(
    private readonly config: HttpSourceConfig,
    private readonly options: HttpSourceOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.auth = new HttpAuth(config.auth, options);
    this.idOf = options.idOf ?? ((doc) => String(doc['id']));
    this.limit = pLimit(options.concurrency ?? 8);
    this.segmented = config.pageUrl.includes('{segment}');
    this.stableScan = config.stableCursors;
  }

  async get(id: string): Promise<SourceDoc | undefined> {
    const body = await this.request(fill(this.config.itemUrl, { id: encodeURIComponent(id) }), { allowNotFound: true });
    if (body === undefined) return undefined;
    if (!isDoc(body)) throw this.badAnswer('item', `is not a JSON object (id ${id})`);
    return body;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, SourceDoc>();
    const failures = new Map<string, unknown>();
    let itemReads = unique;
    if (this.config.batchUrl !== undefined) {
      itemReads = [];
      await Promise.all(
        chunk(unique, this.config.batchSize).map((batch) =>
          this.limit(async () => {
            try {
              for (const [id, doc] of await this.readBatch(batch)) found.set(id, doc);
            } catch (error) {
              // A permanent refusal may be one id's fault: ask for each id of the batch on its own.
              if (isRetryable(error)) for (const id of batch) failures.set(id, error);
              else itemReads.push(...batch);
            }
          }),
        ),
      );
    }
    const settled = await Promise.allSettled(itemReads.map((id) => this.limit(() => this.get(id))));
    settled.forEach((result, index) => {
      const id = itemReads[index] as string;
      if (result.status === 'rejected') failures.set(id, result.reason);
      else if (result.value !== undefined) found.set(id, result.value);
    });
    if (failures.size > 0) throw new PartialReadError(found, failures, { source: 'http' });
    return found;
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    checkSegment(options);
    // A CMS that cannot partition serves the whole scan to segment 0; the others are empty.
    if (!this.segmented && options.segment > 0) return;
    const seen = new Set<string>();
    let cursor = '';
    for (;;) {
      const page = await this.fetchPage(cursor, options, options.pageSize ?? DEFAULT_PAGE_SIZE);
      if (page.items.length > 0) yield page.items;
      if (page.next === undefined) return;
      if (seen.has(page.next)) throw this.badAnswer('page', `repeats cursor "${page.next}": the scan would never end`);
      seen.add(page.next);
      cursor = page.next;
    }
  }

  async estimateCount(): Promise<number | undefined> {
    const page = await this.fetchPage('', { segment: 0, totalSegments: 1 }, 1);
    return page.total;
  }

  /** One batch call: the documents it answered, by id (ids it left out are unknown to the CMS). */
  private async readBatch(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    const url = fill(this.config.batchUrl as string, { ids: ids.map(encodeURIComponent).join(',') });
    const body = await this.request(url, { allowNotFound: false });
    const items = Array.isArray(body) ? body : isDoc(body) ? body['items'] : undefined;
    if (!Array.isArray(items) || !items.every(isDoc)) {
      throw this.badAnswer('batch', 'is neither a JSON array of objects nor { items: [...] }');
    }
    const wanted = new Set(ids);
    const found = new Map<string, SourceDoc>();
    for (const doc of items) {
      const id = identify(this.idOf, doc, 'batch answer');
      if (wanted.has(id)) found.set(id, doc);
    }
    return found;
  }

  private async fetchPage(cursor: string, options: Pick<ScanOptions, 'segment' | 'totalSegments' | 'signal'>, limit: number): Promise<Page> {
    const url = fill(this.config.pageUrl, {
      cursor: encodeURIComponent(cursor),
      segment: String(options.segment),
      segments: String(options.totalSegments),
      limit: String(limit),
    });
    const body = await this.request(url, { allowNotFound: false, signal: options.signal });
    if (!isDoc(body) || !Array.isArray(body['items']) || !body['items'].every(isDoc)) {
      throw this.badAnswer('page', 'is not { items: [...objects], next?, total? }');
    }
    const { next, total } = body;
    return {
      items: body['items'],
      next: typeof next === 'string' && next !== '' ? next : typeof next === 'number' ? String(next) : undefined,
      total: typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total : undefined,
    };
  }

  /** One GET with timeout and retries; `undefined` for a 404 when `allowNotFound`. */
  private async request(url: string, options: { allowNotFound: boolean; signal?: AbortSignal | undefined }): Promise<unknown> {
    let authRefreshed = false;
    return withRetries(
      async () => {
        const timeout = AbortSignal.timeout(this.config.timeoutMs);
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        try {
          // no-cache: a cache between us and the CMS must ask it again. The applier dates a
          // tombstone from a "gone" it must believe (a cached 404 could delete a re-created resource).
          const response = await this.fetch(url, { headers: { accept: 'application/json', 'cache-control': 'no-cache', ...(await this.auth.headers()) }, signal });
          if (response.status === 404 && options.allowNotFound) {
            await response.body?.cancel();
            return undefined;
          }
          const text = await response.text();
          if (response.status === 401 && this.auth.refreshable && !authRefreshed) {
            // The secret may have been rotated since it was cached: read it again, once.
            authRefreshed = true;
            this.auth.invalidate();
            throw new SourceError(`GET ${url} answered 401`, { retryable: true, context: { url, status: 401, [RETRY_AFTER_MS]: 0 } });
          }
          if (!response.ok) throw statusError(url, response, text);
          return parseJson(url, text);
        } catch (error) {
          if (error instanceof SourceError) throw error;
          options.signal?.throwIfAborted();
          if (timeout.aborted) {
            throw new SourceError(`GET ${url} timed out after ${this.config.timeoutMs} ms`, { cause: error, retryable: true, context: { url } });
          }
          throw new SourceError(`GET ${url} failed: ${describeError(error)}`, { cause: error, retryable: true, context: { url } });
        }
      },
      { ...this.options.backoff, retries: this.config.retries, signal: options.signal },
    );
  }

  private badAnswer(what: string, problem: string): SourceError {
    return new SourceError(`the HTTP source's ${what} answer ${problem}`, { retryable: false, context: { what } });
  }
}

/** Replaces the template's variables by already encoded values; unknown ones stay as they are. */
function fill(template: string, values: Partial<Record<string, string>>): string {
  return template.replace(TEMPLATE_VARIABLE, (match, name: string) => values[name] ?? match);
}

/**
 * The error of a non-2xx answer: 408, 429 and 5xx are retryable; 401 and 403 are `widespread`
 * (the CMS refuses the credentials for every id: redelivered and alerted, never blamed on one
 * change); any other status is this request's own permanent failure.
 */
function statusError(url: string, response: Response, body: string): SourceError {
  const { status } = response;
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
  return new SourceError(`GET ${url} answered ${status}`, {
    retryable,
    widespread: status === 401 || status === 403,
    context: { url, status, body: body.slice(0, 200), ...(retryAfterMs === undefined ? {} : { [RETRY_AFTER_MS]: retryAfterMs }) },
  });
}

function parseJson(url: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SourceError(`GET ${url} answered something that is not JSON`, { cause: error, retryable: false, context: { url, body: text.slice(0, 200) } });
  }
}

function isDoc(value: unknown): value is SourceDoc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
