import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/core/errors.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { JsonlSource, segmentOf, type JsonlSourceOptions } from '../../../lambdas/adapters/sources/index.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'freshindex-jsonl-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(lines: string[]): Promise<string> {
  const path = join(dir, 'docs.jsonl');
  await writeFile(path, lines.join('\n'));
  return path;
}

/** A source on `path` keeping its index in the test's directory. */
function sourceOf(path: string, options: JsonlSourceOptions = {}): JsonlSource {
  return new JsonlSource({ type: 'jsonl', path }, { indexDir: join(dir, 'index'), ...options });
}

async function collect(pages: AsyncIterable<SourceDoc[]>): Promise<SourceDoc[][]> {
  const all: SourceDoc[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

const docs = Array.from({ length: 25 }, (_, index) => ({ id: `v${index}`, title: `Vidéo n°${index}` }));

describe('JsonlSource', () => {
  it('gets one document by id', async () => {
    const source = sourceOf(await fileWith(docs.map((doc) => JSON.stringify(doc))));

    const doc = await source.get('v7');

    expect(doc).toEqual(docs[7]);
  });

  it('answers undefined for an id the file does not hold', async () => {
    const source = sourceOf(await fileWith(docs.map((doc) => JSON.stringify(doc))));

    const doc = await source.get('nope');

    expect(doc).toBeUndefined();
  });

  it('gets many documents, leaving out the unknown ids', async () => {
    const source = sourceOf(await fileWith(docs.map((doc) => JSON.stringify(doc))));

    const found = await source.getMany(['v1', 'missing', 'v24']);

    expect(Object.fromEntries(found)).toEqual({ v1: docs[1], v24: docs[24] });
  });

  it('reads CRLF files and skips blank lines', async () => {
    const path = join(dir, 'crlf.jsonl');
    await writeFile(path, `{"id":"a","n":1}\r\n\r\n   \r\n{"id":"b","n":2}\r\n`);
    const source = sourceOf(path);

    const found = await source.getMany(['a', 'b']);

    expect(Object.fromEntries(found)).toEqual({ a: { id: 'a', n: 1 }, b: { id: 'b', n: 2 } });
  });

  it('finds every document of a file larger than one read chunk', async () => {
    const many = Array.from({ length: 1_500 }, (_, index) => ({ id: `d${index}`, body: 'ü'.repeat(index % 97) }));
    const source = sourceOf(await fileWith(many.map((doc) => JSON.stringify(doc))));

    const found = await source.getMany(many.map((doc) => doc.id));

    expect(many.every((doc) => JSON.stringify(found.get(doc.id)) === JSON.stringify(doc))).toBe(true);
  });

  it('uses the last line of an id, so an appended edit updates the document', async () => {
    const path = await fileWith([JSON.stringify({ id: 'a', v: 1 }), JSON.stringify({ id: 'b', v: 1 })]);
    const source = sourceOf(path);
    await source.get('a');
    await appendFile(path, `\n${JSON.stringify({ id: 'a', v: 2 })}\n`);

    const doc = await source.get('a');
    const scanned = (await collect(source.scan({ segment: 0, totalSegments: 1 }))).flat();

    expect(doc).toEqual({ id: 'a', v: 2 });
    expect(scanned).toEqual([{ id: 'b', v: 1 }, { id: 'a', v: 2 }]);
  });

  it('identifies documents with the given id function', async () => {
    const path = await fileWith([JSON.stringify({ sku: 'P-1' }), JSON.stringify({ sku: 'P-2' })]);
    const source = sourceOf(path, { idOf: (doc) => String(doc['sku']) });

    const doc = await source.get('P-2');

    expect(doc).toEqual({ sku: 'P-2' });
  });

  it('scans in pages of the requested size', async () => {
    const source = sourceOf(await fileWith(docs.map((doc) => JSON.stringify(doc))));

    const pages = await collect(source.scan({ segment: 0, totalSegments: 1, pageSize: 10 }));

    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
  });

  it('splits a scan into disjoint segments that hold every document between them', async () => {
    const source = sourceOf(await fileWith(docs.map((doc) => JSON.stringify(doc))), { blockBytes: 64 });

    const segments = await Promise.all([0, 1, 2].map(async (segment) => (await collect(source.scan({ segment, totalSegments: 3 }))).flat()));

    expect(segments.every((segmentDocs) => segmentDocs.length > 0)).toBe(true);
    expect(segments.flat().map((doc) => doc['id']).sort()).toEqual(docs.map((doc) => doc.id).sort());
  });

  it('estimates the count as the number of distinct ids', async () => {
    const source = sourceOf(await fileWith([...docs, docs[0]].map((doc) => JSON.stringify(doc))));

    const count = await source.estimateCount();

    expect(count).toBe(docs.length);
  });

  it('fails permanently, naming the byte offset, on a line that is not JSON', async () => {
    const source = sourceOf(await fileWith(['{"id":"a"}', '{oops']));

    const error = await source.get('a').catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).retryable).toBe(false);
    expect((error as SourceError).context).toMatchObject({ offset: 11 });
  });

  it('fails permanently when the file does not exist', async () => {
    const source = sourceOf(join(dir, 'missing.jsonl'));

    const error = await source.get('a').catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).retryable).toBe(false);
  });
});

describe('JsonlSource scans under concurrent edits', () => {
  // Bigger than one 64 KiB read of the stream, so the scan reads the file after its first page.
  const big = Array.from({ length: 2_000 }, (_, index) => ({ id: `d${String(index).padStart(4, '0')}`, body: 'x'.repeat(60) }));
  const lines = (list: readonly SourceDoc[]) => `${list.map((doc) => JSON.stringify(doc)).join('\n')}\n`;

  /** Scans segment 0 of 1 in pages of 50, calling `edit` once after the first page. */
  async function scanWhile(source: JsonlSource, edit: () => Promise<void>): Promise<SourceDoc[]> {
    const seen: SourceDoc[] = [];
    let edited = false;
    for await (const page of source.scan({ segment: 0, totalSegments: 1, pageSize: 50 })) {
      seen.push(...page);
      if (!edited) {
        edited = true;
        await edit();
      }
    }
    return seen;
  }

  it('returns every document of the file as it was when the scan started when a new file is renamed over it meanwhile', async () => {
    // Prepare
    const path = await fileWith(big.map((doc) => JSON.stringify(doc)));
    const source = sourceOf(path);
    const replacement = join(dir, 'next.jsonl');

    // Act
    const seen = await scanWhile(source, async () => {
      await writeFile(replacement, lines(big.filter((_, index) => index % 3 !== 0)));
      await rename(replacement, path);
    });

    // Assess
    expect(seen.map((doc) => doc['id'])).toEqual(big.map((doc) => doc.id));
    expect(await source.get('d0000')).toBeUndefined();
  });

  it('leaves out lines appended during the scan and still returns every document it started with', async () => {
    // Prepare
    const path = await fileWith(big.map((doc) => JSON.stringify(doc)));
    const source = sourceOf(path);

    // Act
    const seen = await scanWhile(source, () => appendFile(path, `\n${lines([{ id: 'd0500', body: 'edited' }, { id: 'new', body: 'created' }])}`));

    // Assess
    expect(seen.map((doc) => doc['id'])).toEqual(big.map((doc) => doc.id));
    expect(await source.get('d0500')).toEqual({ id: 'd0500', body: 'edited' });
  });

  it('fails with a retryable error, instead of skipping documents, when the file is rewritten in place during the scan', async () => {
    // Prepare
    const path = await fileWith(big.map((doc) => JSON.stringify(doc)));
    const source = sourceOf(path);

    // Act
    const error = await scanWhile(source, () => writeFile(path, lines(big.filter((_, index) => index % 3 !== 0)))).catch((reason: unknown) => reason);

    // Assess
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).retryable).toBe(true);
    expect((error as SourceError).message).toContain('changed while the scan read it');
  });

  it('says its scan is stable, so the rebuild needs no reconciliation', () => {
    expect(new JsonlSource({ type: 'jsonl', path: join(dir, 'any.jsonl') }).stableScan).toBe(true);
  });
});

describe('segmentOf', () => {
  it('gives the same segment for the same id every time', () => {
    const first = docs.map((doc) => segmentOf(doc.id, 7));

    const second = docs.map((doc) => segmentOf(doc.id, 7));

    expect(second).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });
});
