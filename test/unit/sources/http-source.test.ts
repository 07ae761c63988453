import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSourceSchema } from '../../../lambdas/core/config/schema.ts';
import { SourceError } from '../../../lambdas/core/errors.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { HttpSource, type HttpSourceOptions } from '../../../lambdas/adapters/sources/index.ts';
import { startCms, type Cms, type CmsReply, type CmsRequest } from './cms-server.ts';

let cms: Cms | undefined;

afterEach(async () => {
  await cms?.close();
  cms = undefined;
});

const fastBackoff = { baseMs: 1, capMs: 5 };

async function sourceFor(
  reply: (request: CmsRequest, index: number) => CmsReply,
  config: Record<string, unknown> | ((cmsUrl: string) => Record<string, unknown>) = {},
  options: HttpSourceOptions = {},
): Promise<{ source: HttpSource; cms: Cms }> {
  cms = await startCms(reply);
  const overrides = typeof config === 'function' ? config(cms.url) : config;
  const source = new HttpSource(
    httpSourceSchema.parse({
      type: 'http',
      itemUrl: `${cms.url}/videos/{id}`,
      pageUrl: `${cms.url}/videos?cursor={cursor}&segment={segment}&segments={segments}&limit={limit}`,
      ...overrides,
    }),
    { backoff: fastBackoff, ...options },
  );
  return { source, cms };
}

async function collect(pages: AsyncIterable<SourceDoc[]>): Promise<SourceDoc[][]> {
  const all: SourceDoc[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

async function sourceErrorOf(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

function fakeSecrets(values: string[]): { client: SecretsManagerClient; reads: () => number } {
  let reads = 0;
  const client = {
    send: async () => ({ SecretString: values[Math.min(reads++, values.length - 1)] }),
  } as unknown as SecretsManagerClient;
  return { client, reads: () => reads };
}

describe('HttpSource.get', () => {
  it('returns the document the item URL answers', async () => {
    const { source } = await sourceFor((request) => ({ body: { id: request.url.pathname.split('/')[2], title: 'Hello' } }));

    const doc = await source.get('v1');

    expect(doc).toEqual({ id: 'v1', title: 'Hello' });
  });

  it('asks caches between it and the CMS to revalidate (no-cache): a cached 404 must not pass for "gone"', async () => {
    const { source, cms } = await sourceFor(() => ({ status: 404 }));

    await source.get('v1');

    expect(cms.requests[0]?.headers['cache-control']).toBe('no-cache');
  });

  it('URL-encodes the id into the item URL', async () => {
    const { source, cms } = await sourceFor(() => ({ body: { id: 'a/b c' } }));

    await source.get('a/b c');

    expect(cms.requests[0]?.url.pathname).toBe('/videos/a%2Fb%20c');
  });

  it('answers undefined when the CMS says 404', async () => {
    const { source } = await sourceFor(() => ({ status: 404, body: { message: 'gone' } }));

    const doc = await source.get('v1');

    expect(doc).toBeUndefined();
  });

  it('retries 429 and 503, then returns the document', async () => {
    const replies: CmsReply[] = [{ status: 429 }, { status: 503 }, { body: { id: 'v1' } }];
    const { source, cms } = await sourceFor((_request, index) => replies[index] ?? { status: 500 });

    const doc = await source.get('v1');

    expect(doc).toEqual({ id: 'v1' });
    expect(cms.requests).toHaveLength(3);
  });

  it('waits the Retry-After the CMS asks for before retrying', async () => {
    const waits: number[] = [];
    const replies: CmsReply[] = [{ status: 429, headers: { 'retry-after': '2' } }, { body: { id: 'v1' } }];
    const { source } = await sourceFor((_request, index) => replies[index] ?? { status: 500 }, {}, {
      backoff: { ...fastBackoff, sleep: async (ms) => void waits.push(ms) },
    });

    await source.get('v1');

    expect(waits).toEqual([2000]);
  });

  it('gives up at once, retryable, when the Retry-After is longer than it may wait', async () => {
    const { source, cms } = await sourceFor(() => ({ status: 503, headers: { 'retry-after': '120' } }));

    const error = await sourceErrorOf(source.get('v1'));

    expect(error.retryable).toBe(true);
    expect(cms.requests).toHaveLength(1);
  });

  it('retries a request that timed out, then returns the document', async () => {
    const replies: CmsReply[] = [{ body: { id: 'late' }, delayMs: 2_000 }, { body: { id: 'v1' } }];
    const { source, cms } = await sourceFor((_request, index) => replies[index] ?? { status: 500 }, { timeoutMs: 100 });

    const doc = await source.get('v1');

    expect(doc).toEqual({ id: 'v1' });
    expect(cms.requests).toHaveLength(2);
  });

  it('throws a retryable SourceError when every try timed out', async () => {
    const { source } = await sourceFor(() => ({ body: { id: 'late' }, delayMs: 2_000 }), { timeoutMs: 50, retries: 1 });

    const error = await sourceErrorOf(source.get('v1'));

    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/timed out/);
  });

  it('retries a network error, then returns the document', async () => {
    let failures = 1;
    const flakyFetch: typeof fetch = async (input, init) => {
      if (failures-- > 0) throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') });
      return fetch(input, init);
    };
    const { source } = await sourceFor(() => ({ body: { id: 'v1' } }), {}, { fetch: flakyFetch });

    const doc = await source.get('v1');

    expect(doc).toEqual({ id: 'v1' });
  });

  it('throws a non-retryable SourceError on 400, after a single request', async () => {
    const { source, cms } = await sourceFor(() => ({ status: 400, body: { message: 'bad id' } }));

    const error = await sourceErrorOf(source.get('v1'));

    expect(error.retryable).toBe(false);
    expect(error.context).toMatchObject({ status: 400 });
    expect(cms.requests).toHaveLength(1);
  });

  it('throws a retryable SourceError when 5xx outlasts the retries', async () => {
    const { source, cms } = await sourceFor(() => ({ status: 502 }), { retries: 2 });

    const error = await sourceErrorOf(source.get('v1'));

    expect(error.retryable).toBe(true);
    expect(cms.requests).toHaveLength(3);
  });

  it('throws a non-retryable SourceError when the answer is not JSON', async () => {
    const { source } = await sourceFor(() => ({ body: '<html>login</html>' }));

    const error = await sourceErrorOf(source.get('v1'));

    expect(error.retryable).toBe(false);
  });
});

describe('HttpSource auth', () => {
  it('sends the auth header from the environment variable named in the config', async () => {
    const { source, cms } = await sourceFor(() => ({ body: { id: 'v1' } }), { auth: { env: 'CMS_TOKEN', prefix: 'Bearer ' } }, {
      env: { CMS_TOKEN: 's3cret' },
    });

    await source.get('v1');

    expect(cms.requests[0]?.headers['authorization']).toBe('Bearer s3cret');
  });

  it('fails permanently, naming the variable, when the environment lacks it', async () => {
    const { source } = await sourceFor(() => ({ body: { id: 'v1' } }), { auth: { env: 'CMS_TOKEN' } }, { env: {} });

    const error = await sourceErrorOf(source.get('v1'));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain('CMS_TOKEN');
  });

  it('reads the header from Secrets Manager once and reuses it', async () => {
    const secrets = fakeSecrets(['token-1']);
    const { source, cms } = await sourceFor(() => ({ body: { id: 'v1' } }), { auth: { secretId: 'cms/token', header: 'x-api-key' } }, {
      secrets: secrets.client,
    });

    await source.get('v1');
    await source.get('v2');

    expect(cms.requests.map((request) => request.headers['x-api-key'])).toEqual(['token-1', 'token-1']);
    expect(secrets.reads()).toBe(1);
  });

  it('reads the secret again when the CMS refuses it with 401 (rotation)', async () => {
    const secrets = fakeSecrets(['old', 'new']);
    const { source } = await sourceFor(
      (request) => (request.headers['authorization'] === 'new' ? { body: { id: 'v1' } } : { status: 401 }),
      { auth: { secretId: 'cms/rotating' } },
      { secrets: secrets.client },
    );

    const doc = await source.get('v1');

    expect(doc).toEqual({ id: 'v1' });
    expect(secrets.reads()).toBe(2);
  });
});

describe('HttpSource.getMany', () => {
  it('asks the batch URL in chunks of batchSize, ids comma-joined and URL-encoded', async () => {
    const { source, cms } = await sourceFor(
      (request) => ({ body: (request.url.searchParams.get('ids') ?? '').split(',').map((id) => ({ id })) }),
      (url) => ({ batchUrl: `${url}/videos?ids={ids}`, batchSize: 2 }),
    );

    const docs = await source.getMany(['a', 'b', 'c d', 'e', 'a']);

    expect([...docs.keys()].sort()).toEqual(['a', 'b', 'c d', 'e']);
    expect(cms.requests.map((request) => request.url.search).sort()).toEqual(['?ids=a,b', '?ids=c%20d,e']);
  });

  it('leaves out the ids the batch answer does not contain, whether it answers an array or { items }', async () => {
    const { source } = await sourceFor(() => ({ body: { items: [{ id: 'a' }, { id: 'zzz' }] } }), (url) => ({ batchUrl: `${url}/videos?ids={ids}` }));

    const docs = await source.getMany(['a', 'b']);

    expect([...docs.keys()]).toEqual(['a']);
  });

  it('without a batch URL, GETs each item and leaves out the 404s', async () => {
    const { source, cms } = await sourceFor((request) => {
      const id = request.url.pathname.split('/')[2] ?? '';
      return id.startsWith('gone') ? { status: 404 } : { body: { id } };
    });

    const docs = await source.getMany(['a', 'gone-1', 'b']);

    expect([...docs.keys()].sort()).toEqual(['a', 'b']);
    expect(cms.requests).toHaveLength(3);
  });
});

describe('HttpSource.scan', () => {
  const catalogue = Array.from({ length: 7 }, (_, index) => ({ id: `v${index}`, segment: index % 2 }));

  /** A CMS paging through `catalogue` (filtered by segment when asked) by key: cursor = the last id served. */
  function pagingCms(request: CmsRequest): CmsReply {
    const params = request.url.searchParams;
    const segments = Number(params.get('segments') ?? '1');
    const segment = Number(params.get('segment') ?? '0');
    const items = catalogue.filter((doc) => segments === 1 || doc.segment === segment);
    const after = params.get('cursor') ?? '';
    const limit = Number(params.get('limit') ?? '100');
    const rest = items.filter((doc) => doc.id > after);
    const page = rest.slice(0, limit);
    const next = rest.length > limit ? (page.at(-1)?.id ?? null) : null;
    return { body: { items: page, next, total: items.length } };
  }

  it('follows the next cursor until the last page, the first cursor empty', async () => {
    const { source, cms } = await sourceFor(pagingCms);

    const pages = await collect(source.scan({ segment: 0, totalSegments: 1, pageSize: 3 }));

    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(cms.requests.map((request) => request.url.searchParams.get('cursor'))).toEqual(['', 'v2', 'v5']);
  });

  it('asks each segment for its own documents, which together are all of them', async () => {
    const { source } = await sourceFor(pagingCms);

    const segments = await Promise.all([0, 1].map(async (segment) => (await collect(source.scan({ segment, totalSegments: 2, pageSize: 2 }))).flat()));

    expect(segments[0]?.every((doc) => doc['segment'] === 0)).toBe(true);
    expect(segments[1]?.every((doc) => doc['segment'] === 1)).toBe(true);
    expect(segments.flat().map((doc) => doc['id']).sort()).toEqual(catalogue.map((doc) => doc.id).sort());
  });

  it('serves the whole scan to segment 0 when the page URL has no {segment}', async () => {
    const { source, cms } = await sourceFor(pagingCms, (url) => ({ pageUrl: `${url}/videos?cursor={cursor}&limit={limit}` }));

    const segments = await Promise.all([0, 1, 2].map(async (segment) => (await collect(source.scan({ segment, totalSegments: 3 }))).flat().length));

    expect(segments).toEqual([catalogue.length, 0, 0]);
    expect(cms.requests).toHaveLength(1);
  });

  it('fails permanently when the CMS repeats a cursor instead of looping forever', async () => {
    const { source } = await sourceFor(() => ({ body: { items: [{ id: 'a' }], next: 'same' } }));

    const error = await sourceErrorOf(collect(source.scan({ segment: 0, totalSegments: 1 })));

    expect(error.retryable).toBe(false);
  });

  it('estimates the count from the total of the first page', async () => {
    const { source } = await sourceFor(pagingCms);

    const count = await source.estimateCount();

    expect(count).toBe(catalogue.length);
  });

  it('says its scan is stable only when the config declares the CMS cursors stable', async () => {
    const { source: declared } = await sourceFor(pagingCms, { stableCursors: true });
    await cms?.close();
    const { source: silent } = await sourceFor(pagingCms);

    expect([declared.stableScan, silent.stableScan]).toEqual([true, false]);
  });

  it('refuses a stableCursors that is not true or false, naming the field', () => {
    const result = httpSourceSchema.safeParse({ type: 'http', itemUrl: 'http://cms/{id}', pageUrl: 'http://cms?c={cursor}', stableCursors: 'yes' });

    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['stableCursors'], message: 'must be true or false' })]);
  });

  it('estimates nothing when the first page has no total', async () => {
    const { source } = await sourceFor(() => ({ body: { items: [] } }));

    const count = await source.estimateCount();

    expect(count).toBeUndefined();
  });
});
