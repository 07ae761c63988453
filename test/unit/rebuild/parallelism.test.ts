import { describe, expect, it } from 'vitest';
import { defaultSegments, rebuildType } from '../../../lambdas/core/rebuild/index.ts';
import type { ScanOptions } from '../../../lambdas/core/ports.ts';
import { parseEnv } from '../../../lambdas/adapters/compose/env.ts';
import { createWorld, doc, videoType } from './support/world.ts';

describe('the rebuild\'s parallelism', () => {
  it.each([
    [undefined, 20, 4],
    [10_000, 20, 1],
    [100_000, 20, 4],
    [10_000_000, 20, 16],
    [10_000_000, 5, 34],
    [100_000_000, 20, 64],
  ])('takes %s documents in %i minutes with %i segments by default', (estimate, minutes, segments) => {
    // Act
    const chosen = defaultSegments(estimate, minutes * 60);

    // Assess
    expect(chosen).toBe(segments);
  });

  it('scans with the segments the source\'s estimate and the type\'s target duration call for', async () => {
    // Prepare: a source saying it holds 2 M documents, to load within a minute: 34 segments at 1,000 a second each.
    const world = createWorld(videoType({ rebuild: { targetMinutes: 1, gate: { sampleSize: 5 } } }));
    for (let i = 0; i < 300; i++) world.source.docs.set(`v${i}`, doc(`v${i}`, 1));
    world.source.estimateCount = async () => 2_000_000;
    const totals = new Set<number>();
    const scan = world.source.scan.bind(world.source);
    world.source.scan = (options: ScanOptions) => {
      totals.add(options.totalSegments);
      return scan(options);
    };
    const { concurrency: _unset, writesInFlight: _default, ...options } = world.options;

    // Act
    await rebuildType(world.deps, world.type, options);

    // Assess
    expect([...totals]).toEqual([34]);
  });

  it('writes the load in the bulk size the store asks for when no chunk size is set', async () => {
    // Prepare: a store that writes best in bulk calls of 64 records (Redis asks for 500).
    const world = createWorld(videoType({ rebuild: { gate: { sampleSize: 5 } } }));
    for (let i = 0; i < 300; i++) world.source.docs.set(`v${i}`, doc(`v${i}`, 1));
    const sizes: number[] = [];
    const bulkPut = world.index.bulkPut.bind(world.index);
    const records = Object.assign(Object.create(world.index) as typeof world.index, {
      bulkChunkSize: 64,
      bulkPut: async (...args: Parameters<typeof bulkPut>) => {
        sizes.push(args[2].length);
        await bulkPut(...args);
      },
    });
    const { chunkSize: _unset, ...options } = world.options;

    // Act
    const { report } = await rebuildType({ ...world.deps, records }, world.type, { ...options, concurrency: 1, pageSize: 200 });

    // Assess
    expect(report.outcome).toBe('succeeded');
    expect(Math.max(...sizes)).toBe(64);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(300);
  });

  it.each([
    [2, 4],
    [12, 12],
  ])('replays the catch-up log with one source read in flight per segment, at least four (%i segments: %i)', async (segments, expected) => {
    // Prepare: 3,000 documents, and a catch-up log handing them all out in one page, as DynamoDB's Query does.
    const world = createWorld(videoType({ rebuild: { gate: { sampleSize: 5 } } }));
    const ids = Array.from({ length: 3_000 }, (_, i) => `v${i}`);
    for (const id of ids) world.source.docs.set(id, doc(id, 1));
    world.catchUp.read = async function* () {
      yield ids;
    };
    let inFlight = 0;
    let most = 0;
    const getMany = world.source.getMany.bind(world.source);
    world.source.getMany = async (batch) => {
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((done) => setTimeout(done, 2));
        return await getMany(batch);
      } finally {
        inFlight--;
      }
    };

    // Act
    const { report } = await rebuildType(world.deps, world.type, { ...world.options, concurrency: segments });

    // Assess
    expect(report.outcome).toBe('succeeded');
    expect(report.counts.replayed).toBe(3_000);
    expect(most).toBe(expected);
  });

  it('lets the job\'s environment set the segments and the writes in flight, and names a wrong value', () => {
    // Prepare
    const tables = { FRESHINDEX_INDEX_TABLE: 'index', FRESHINDEX_CONTROL_TABLE: 'control' };

    // Act
    const set = parseEnv('job', { ...tables, FRESHINDEX_REBUILD_CONCURRENCY: '24', FRESHINDEX_REBUILD_WRITES_IN_FLIGHT: '64' }, 'dynamodb');
    const wrong = () => parseEnv('job', { ...tables, FRESHINDEX_REBUILD_CONCURRENCY: '0' }, 'dynamodb');

    // Assess
    expect(set).toMatchObject({ FRESHINDEX_REBUILD_CONCURRENCY: 24, FRESHINDEX_REBUILD_WRITES_IN_FLIGHT: 64 });
    expect(wrong).toThrow(/environment variable FRESHINDEX_REBUILD_CONCURRENCY: /);
  });
});
