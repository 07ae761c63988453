/**
 * Issue 8, point 2: the HTTP source answers each id of a `getMany` on its own, so one id's
 * refusal never fails its neighbours.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { httpSourceSchema } from '../../../lambdas/core/config/schema.ts';
import { PartialReadError, type SourceError } from '../../../lambdas/core/errors.ts';
import { readEach } from '../../../lambdas/core/settle.ts';
import { HttpSource } from '../../../lambdas/adapters/sources/index.ts';
import { startCms, type Cms, type CmsReply, type CmsRequest } from './cms-server.ts';

let cms: Cms | undefined;

afterEach(async () => {
  await cms?.close();
  cms = undefined;
});

/** Item answers by id: `ok*` documents, `gone` 404, `flaky` 500, `locked` 401, `hidden` 403. */
function byId(id: string): CmsReply {
  if (id === 'gone') return { status: 404, body: { message: 'not found' } };
  if (id === 'flaky') return { status: 500, body: { message: 'oops' } };
  if (id === 'locked') return { status: 401, body: { message: 'who are you' } };
  if (id === 'hidden') return { status: 403, body: { message: 'not for you' } };
  if (id === 'garbled') return { body: '<html>' };
  return { body: { id, title: `title of ${id}` } };
}

async function sourceFor(reply: (request: CmsRequest) => CmsReply, batched: boolean): Promise<HttpSource> {
  cms = await startCms(reply);
  return new HttpSource(
    httpSourceSchema.parse({
      type: 'http',
      itemUrl: `${cms.url}/videos/{id}`,
      ...(batched ? { batchUrl: `${cms.url}/videos?ids={ids}` } : {}),
      pageUrl: `${cms.url}/videos?cursor={cursor}`,
      retries: 1,
    }),
    { backoff: { baseMs: 1, capMs: 2 } },
  );
}

const itemReplies = (request: CmsRequest) => byId(decodeURIComponent(request.url.pathname.split('/')[2] ?? ''));

describe('HttpSource.getMany, id by id', () => {
  it('answers a 404 as missing, and fails only the ids whose own read failed', async () => {
    const source = await sourceFor(itemReplies, false);

    const reads = await readEach(source, ['ok1', 'gone', 'flaky', 'locked', 'ok2', 'garbled']);

    expect(reads.get('ok1')).toEqual({ status: 'found', doc: { id: 'ok1', title: 'title of ok1' } });
    expect(reads.get('ok2')?.status).toBe('found');
    expect(reads.get('gone')).toEqual({ status: 'missing' });
    const error = (id: string) => (reads.get(id) as { error: SourceError }).error;
    expect(error('flaky')).toMatchObject({ retryable: true, widespread: false });
    expect(error('locked')).toMatchObject({ retryable: true, widespread: true });
    expect(error('garbled')).toMatchObject({ retryable: false, widespread: false });
  });

  it('treats a 403 like a 401: the whole source refuses, retry later and never blame the change', async () => {
    const source = await sourceFor(itemReplies, false);

    const reads = await readEach(source, ['hidden']);

    expect((reads.get('hidden') as { error: SourceError }).error).toMatchObject({ retryable: true, widespread: true });
  });

  it('does not retry a refused credential inside the call', async () => {
    const source = await sourceFor(itemReplies, false);

    await readEach(source, ['locked']);

    expect(cms?.requests).toHaveLength(1);
  });

  it('rejects with what it read when some ids failed, so an all-or-nothing caller cannot miss it', async () => {
    const source = await sourceFor(itemReplies, false);

    const error = await source.getMany(['ok1', 'flaky']).then(
      () => undefined,
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(PartialReadError);
    expect([...(error as PartialReadError).found.keys()]).toEqual(['ok1']);
    expect([...(error as PartialReadError).failures.keys()]).toEqual(['flaky']);
    expect((error as PartialReadError).retryable).toBe(true);
  });

  it('asks id by id when a batch call is refused for good, so one bad id fails alone', async () => {
    const source = await sourceFor((request) => {
      const ids = request.url.searchParams.get('ids');
      if (ids !== null) return ids.includes('bad') ? { status: 400, body: { message: 'bad id in batch' } } : { body: { items: ids.split(',').map((id) => ({ id })) } };
      const id = decodeURIComponent(request.url.pathname.split('/')[2] ?? '');
      return id === 'bad' ? { status: 400, body: { message: 'bad id' } } : { body: { id } };
    }, true);

    const reads = await readEach(source, ['a', 'bad', 'b']);

    expect(reads.get('a')?.status).toBe('found');
    expect(reads.get('b')?.status).toBe('found');
    expect((reads.get('bad') as { error: SourceError }).error).toMatchObject({ retryable: false });
  });

  it('fails every id of a batch call the CMS refuses the credentials for, as widespread, without asking each', async () => {
    const source = await sourceFor(() => ({ status: 401, body: { message: 'expired token' } }), true);

    const reads = await readEach(source, ['a', 'b']);

    expect([...reads.values()].map((read) => (read as { error: SourceError }).error?.widespread)).toEqual([true, true]);
    expect(cms?.requests).toHaveLength(1);
  });
});
