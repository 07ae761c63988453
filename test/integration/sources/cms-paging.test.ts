/**
 * The page contract of docs/sources.md, served by every CMS of the project (the test CMSs and the
 * demo CMS), read through the real HTTP source: a scan returns every document that exists from its
 * start to its end, once, while documents are deleted and inserted between its pages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { httpSourceSchema } from '../../../lambdas/core/config/schema.ts';
import { HttpSource } from '../../../lambdas/adapters/sources/index.ts';
import { startMovieCms } from '../../../lambdas/local/demo/movie-cms.ts';
import { startDocumentCms } from '../rebuild/support/cms.ts';
import { cmsSource, startCmsServer } from '../../support/cms-server.ts';

/** A running CMS, seen through its HTTP source, and how a test edits it behind the source's back. */
interface PagedCms {
  source: HttpSource;
  ids(): string[];
  remove(id: string): void;
  add(id: string): void;
  close(): Promise<void>;
}

const initialIds = Array.from({ length: 300 }, (_, index) => `film-${String(index).padStart(3, '0')}`);

const servers: Record<string, () => Promise<PagedCms>> = {
  'the test CMS (test/support/cms-server.ts)': async () => {
    const cms = await startCmsServer();
    for (const id of initialIds) cms.docs.set(id, { id, title: id });
    return {
      source: new HttpSource(httpSourceSchema.parse(cmsSource(cms))),
      ids: () => [...cms.docs.keys()],
      remove: (id) => cms.docs.delete(id),
      add: (id) => cms.docs.set(id, { id, title: id }),
      close: () => cms.stop(),
    };
  },
  "the rebuild tests' CMS (test/integration/rebuild/support/cms.ts)": async () => documentCms('keyset'),
  'the demo CMS (lambdas/local/demo/movie-cms.ts)': async () => {
    const cms = await startMovieCms({ movies: initialIds.map((id) => ({ Title: id })) });
    return {
      source: new HttpSource(httpSourceSchema.parse({ type: 'http', itemUrl: `${cms.url}/movies/{id}`, pageUrl: `${cms.url}/movies?cursor={cursor}&segment={segment}&segments={segments}&limit={limit}` })),
      ids: () => [...cms.catalog.ids()],
      remove: (id) => cms.catalog.delete(id),
      add: (id) => cms.catalog.put(id, { Title: id }),
      close: () => cms.close(),
    };
  },
};

async function documentCms(paging: 'keyset' | 'offset'): Promise<PagedCms> {
  const cms = await startDocumentCms(new Map(initialIds.map((id) => [id, { id, title: id }])));
  cms.paging = paging;
  return {
    source: new HttpSource(httpSourceSchema.parse(cms.sourceConfig())),
    ids: () => [...cms.docs.keys()],
    remove: (id) => cms.docs.delete(id),
    add: (id) => cms.docs.set(id, { id, title: id }),
    close: () => cms.close(),
  };
}

/**
 * Scans both segments of `cms` in pages of 20; after every page deletes two documents that page
 * served (behind the cursor) and one not served yet, and inserts one. Resolves with what the scan
 * returned and the documents that existed throughout.
 */
async function scanWhileEditing(cms: PagedCms): Promise<{ seen: string[]; throughout: string[] }> {
  const seen: string[] = [];
  const touched = new Set<string>();
  for (const segment of [0, 1]) {
    for await (const page of cms.source.scan({ segment, totalSegments: 2, pageSize: 20 })) {
      const served = page.map((doc) => String(doc['id']));
      seen.push(...served);
      const ahead = cms.ids().filter((id) => !touched.has(id) && !seen.includes(id)).slice(-1);
      for (const id of [...served.slice(0, 2), ...ahead]) {
        touched.add(id);
        cms.remove(id);
      }
      cms.add(`film-new-${seen.length}`);
    }
  }
  return { seen, throughout: initialIds.filter((id) => !touched.has(id)) };
}

let running: PagedCms | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe.each(Object.keys(servers))('%s', (name) => {
  it('returns every document that exists throughout a scan, once, while documents are deleted and inserted between its pages', async () => {
    // Prepare
    running = await (servers[name] as () => Promise<PagedCms>)();

    // Act
    const { seen, throughout } = await scanWhileEditing(running);

    // Assess
    expect(throughout.length).toBeLessThan(initialIds.length - 30);
    expect(throughout.filter((id) => !seen.includes(id))).toEqual([]);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('a CMS paging by offset', () => {
  it('skips documents that exist throughout the scan under the same edits, which is why the rebuild reconciles such sources', async () => {
    // Prepare
    running = await documentCms('offset');

    // Act
    const { seen, throughout } = await scanWhileEditing(running);

    // Assess
    expect(running.source.stableScan).toBe(false);
    expect(throughout.filter((id) => !seen.includes(id)).length).toBeGreaterThan(0);
  });
});
