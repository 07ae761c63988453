import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { JsonlSource } from '../../../lambdas/adapters/sources/index.ts';
import { blocksOfSegment } from '../../../lambdas/adapters/sources/segments.ts';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'freshindex-jsonl-scan-'));
  path = join(dir, 'docs.jsonl');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const doc = (n: number, v = 1) => ({ id: `d${n}`, v, body: 'ü'.repeat(n % 23) });
const lines = (list: readonly SourceDoc[]) => `${list.map((one) => JSON.stringify(one)).join('\n')}\n`;
/** Small blocks, so even a small file has many of them and every segment reads several. */
const sourceOn = () => new JsonlSource({ type: 'jsonl', path }, { indexDir: join(dir, 'index'), blockBytes: 700 });

async function segmentDocs(source: JsonlSource, segment: number, totalSegments: number, pageSize = 25): Promise<SourceDoc[]> {
  const seen: SourceDoc[] = [];
  for await (const page of source.scan({ segment, totalSegments, pageSize })) seen.push(...page);
  return seen;
}

/** Every id seen, with how many times. */
function tally(seen: readonly SourceDoc[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const one of seen) counts.set(String(one['id']), (counts.get(String(one['id'])) ?? 0) + 1);
  return counts;
}

describe('JsonlSource scan segments', () => {
  it('yields the last line of every id exactly once across the segments, for any number of segments', async () => {
    // Prepare
    const originals = Array.from({ length: 1_200 }, (_, n) => doc(n));
    const edits = Array.from({ length: 150 }, (_, k) => doc((k * 7) % 1_200, 2));
    await writeFile(path, lines([...originals, ...edits]));
    const source = sourceOn();
    const expected = new Map(originals.map((one) => [one.id, one as SourceDoc]));
    for (const edit of edits) expected.set(edit.id, edit);

    for (const totalSegments of [1, 2, 3, 5, 8]) {
      // Act
      const seen = (await Promise.all(Array.from({ length: totalSegments }, (_, segment) => segmentDocs(source, segment, totalSegments)))).flat();

      // Assess
      expect([...tally(seen).values()].every((times) => times === 1)).toBe(true);
      expect(new Map(seen.map((one) => [String(one['id']), one]))).toEqual(expected);
    }
  });

  it('reads, in segments started one after another, the version the first segment opened, whatever is appended in between', async () => {
    // Prepare
    const originals = Array.from({ length: 600 }, (_, n) => doc(n));
    await writeFile(path, lines(originals));
    const source = sourceOn();

    // Act
    const seen: SourceDoc[] = [];
    for (let segment = 0; segment < 4; segment++) {
      seen.push(...(await segmentDocs(source, segment, 4)));
      await appendFile(path, lines([doc(segment * 150 + 1, 2), doc(10_000 + segment)]));
    }

    // Assess
    expect([...tally(seen).values()].every((times) => times === 1)).toBe(true);
    expect(seen.map((one) => one['id']).sort()).toEqual(originals.map((one) => one.id).sort());
    expect(seen.every((one) => one['v'] === 1)).toBe(true);
  });

  it('reads, in segments running side by side while lines are appended, each line of the version it started with once', async () => {
    // Prepare
    const originals = Array.from({ length: 800 }, (_, n) => doc(n));
    await writeFile(path, lines(originals));
    const source = sourceOn();
    let appended = 0;

    // Act
    const seen = (
      await Promise.all(
        [0, 1, 2].map(async (segment) => {
          const mine: SourceDoc[] = [];
          for await (const page of source.scan({ segment, totalSegments: 3, pageSize: 20 })) {
            mine.push(...page);
            appended++;
            await appendFile(path, lines([doc(appended % 800, 2), doc(20_000 + appended)]));
          }
          return mine;
        }),
      )
    ).flat();

    // Assess
    expect(appended).toBeGreaterThan(10);
    expect([...tally(seen).values()].every((times) => times === 1)).toBe(true);
    expect(seen.map((one) => one['id']).sort()).toEqual(originals.map((one) => one.id).sort());
    expect(seen.every((one) => one['v'] === 1)).toBe(true);
  });

  it('gives the appended lines to the next scan, each once, the newest line of an id winning', async () => {
    // Prepare
    await writeFile(path, lines(Array.from({ length: 300 }, (_, n) => doc(n))));
    const source = sourceOn();
    await Promise.all([0, 1].map((segment) => segmentDocs(source, segment, 2)));
    await appendFile(path, lines([doc(5, 2), doc(5, 3), doc(9_999)]));

    // Act
    const seen = (await Promise.all([0, 1].map((segment) => segmentDocs(source, segment, 2)))).flat();

    // Assess
    expect(seen).toHaveLength(301);
    expect(seen.filter((one) => one['id'] === 'd5')).toEqual([doc(5, 3)]);
    expect(seen.filter((one) => one['id'] === 'd9999')).toEqual([doc(9_999)]);
  });

  it('keeps one index file per source file on disk, replacing it when the file changes', async () => {
    // Prepare
    await writeFile(path, lines(Array.from({ length: 50 }, (_, n) => doc(n))));
    const first = sourceOn();
    await first.get('d1');

    // Act
    const second = sourceOn();
    const before = await second.get('d1');
    await appendFile(path, lines([doc(1, 2)]));
    const after = await second.get('d1');

    // Assess
    expect(before).toEqual(doc(1));
    expect(after).toEqual(doc(1, 2));
    expect((await readdir(join(dir, 'index'))).filter((name) => name.endsWith('.idx'))).toHaveLength(1);
  });
});

describe('blocksOfSegment', () => {
  it('gives each block of the file to exactly one segment', () => {
    for (const [size, totalSegments] of [[1, 1], [10_000, 3], [10_001, 4], [999, 7]] as const) {
      const blocks = Array.from({ length: totalSegments }, (_, segment) => blocksOfSegment(segment, totalSegments, size, 100)).flat();

      expect(blocks.sort((a, b) => a - b)).toEqual(Array.from({ length: Math.ceil(size / 100) }, (_, block) => block));
    }
  });
});
