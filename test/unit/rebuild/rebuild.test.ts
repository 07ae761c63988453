import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { LeaseHeldError, rebuildType } from '../../../lambdas/core/rebuild/index.ts';
import { createWorld, doc, seed, TYPE, useVirtualTime, videoType } from './support/world.ts';

const ids = (count: number, prefix = 'v') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('rebuild', () => {
  it('flips a new generation live holding transform(doc) of every source document', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(120).map((id) => doc(id, 1)));
    for (const id of ids(120)) world.source.docs.set(id, doc(id, 2, `retitled ${id}`));

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.outcome).toBe('succeeded');
    const pointer = await world.index.readPointer(TYPE);
    expect(pointer).toMatchObject({ active: report.generation, previous: 1 });
    expect(pointer?.building).toBeUndefined();
    for (const id of ids(120)) {
      const record = await world.activeRecord(id);
      expect(record).toMatchObject({ version: 2, deleted: false, record: { title: `retitled ${id}`, n: 4 } });
      expect(record?.hash).toBe(contentHash({ title: `retitled ${id}`, n: 4 }));
    }
  });

  it('reports the load\'s progress from its start (nothing done yet), then its end', async () => {
    // Prepare: a load shorter than the progress interval.
    const world = createWorld();
    for (const id of ids(50)) world.source.docs.set(id, doc(id, 1));
    const reported: Array<{ done: number; phase: string }> = [];
    const deps = { ...world.deps, onProgress: (_type: string, progress: { done: number }, phase: string) => reported.push({ done: progress.done, phase }) };

    // Act
    const { report } = await rebuildType(deps, world.type, world.options);

    // Assess: a status read during the load sees it at 0, not nothing until it is over.
    expect(report.outcome).toBe('succeeded');
    expect(reported.at(0)).toEqual({ done: 0, phase: 'loading' });
    expect(reported.at(-1)).toEqual({ done: 50, phase: 'loading' });
  });

  it('stores and publishes a report with counts, throughput and gate results', async () => {
    // Prepare
    const world = createWorld();
    const time = useVirtualTime(world);
    for (const id of ids(50)) world.source.docs.set(id, doc(id, 1));
    let pages = 0;
    world.source.beforePage = async () => {
      pages++;
      time.advance(100); // every page of the scan takes 100 ms
    };

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report).toMatchObject({
      outcome: 'succeeded',
      counts: { scanned: 50, loaded: 50, transformErrors: 0, replayed: 0, generation: 50 },
      gate: { passed: true, count: { expected: 50, actual: 50, expectedFrom: 'source-estimate' }, sample: { size: 20, equal: 20 } },
    });
    expect(pages).toBeGreaterThan(0);
    expect(report.throughput.loadPerSecond).toBe(Math.round(50 / (pages * 0.1)));
    expect(world.notifier.reports).toEqual([{ kind: 'build', type: TYPE, report: expect.objectContaining({ buildId: report.buildId, outcome: 'succeeded' }) }]);
    expect(await world.control.latest(TYPE)).toMatchObject({ buildId: report.buildId, status: 'succeeded', phase: 'done', report: { outcome: 'succeeded' } });
  });

  it('records the load progress in the build record while it runs', async () => {
    // Prepare
    const world = createWorld();
    const time = useVirtualTime(world);
    for (const id of ids(200)) world.source.docs.set(id, doc(id, 1));
    world.source.beforePage = async () => time.advance(world.options.progressIntervalMs as number); // a progress interval per page
    const saved: Array<{ phase: string; done: number }> = [];
    const save = world.control.save.bind(world.control);
    world.control.save = async (record) => {
      saved.push({ phase: record.phase, done: record.progress.done });
      await save(record);
    };

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(saved.filter((record) => record.phase === 'loading' && record.done > 0 && record.done < 200)).not.toEqual([]);
    expect((await world.control.get(TYPE, report.buildId))?.progress).toMatchObject({ done: 200, total: 200 });
  });

  it('keeps the old generation active and says why when the transform breaks on some documents', async () => {
    // Prepare
    const world = createWorld(
      videoType({
        transform: (d) => {
          if (/^v\d*0$/.test(String(d['id']))) throw new Error('no title');
          return { title: d['title'], n: d['n'] };
        },
      }),
    );
    await seed(world, ids(100, 'x').map((id) => doc(id, 1)));
    for (const id of ids(100)) world.source.docs.set(id, doc(id, 1));

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.outcome).toBe('failed');
    expect(report.reasons.join(' ')).toMatch(/the transform rejected 10 of 200 documents/);
    expect(report.errorSamples[0]).toMatch(/TransformError: transform of video\/v\d+0 rejected the document: no title/);
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: 1 });
    expect(await world.activeRecord('x5')).toMatchObject({ version: 1, deleted: false });
  });

  it('keeps the old generation active and says why when the source returns too few documents', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(100).map((id) => doc(id, 1)));
    world.source.hidden = new Set(ids(100).slice(0, 30));

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.outcome).toBe('failed');
    expect(report.reasons[0]).toBe("count 70 differs from the source's 100 by 30.00% (tolerance 2.00%)");
    expect(report.gate?.count).toMatchObject({ passed: false, expected: 100, actual: 70 });
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: 1 });
  });

  it('alerts, clears the building generation and deletes it when the gate fails', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(40).map((id) => doc(id, 1)));
    world.source.hidden = new Set(ids(40).slice(0, 20));

    // Act
    const { report, cleanup } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(world.notifier.alerts).toEqual([expect.objectContaining({ kind: 'build-failed', severity: 'critical', type: TYPE })]);
    expect(world.notifier.alerts[0]?.summary).toMatch(/rebuild of "video" failed: count 20 differs/);
    expect((await world.index.readPointer(TYPE))?.building).toBeUndefined();
    expect(cleanup.generations).toEqual([report.generation]);
    expect(world.index.size(TYPE, report.generation as number)).toBe(0);
    expect(await world.control.latest(TYPE)).toMatchObject({ status: 'failed', report: { reasons: report.reasons } });
  });

  it('fails the build and keeps the old generation when the store keeps failing during the load', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(60).map((id) => doc(id, 1)));
    let calls = 0;
    world.index.onBulkPut = async () => {
      if (++calls >= 3) throw new StoreError('throttled for good');
    };

    // Act
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(report.outcome).toBe('failed');
    expect(report.reasons).toEqual(['StoreError: throttled for good']);
    expect(report.retries).toBeGreaterThanOrEqual(9);
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: 1 });
    expect((await world.index.readPointer(TYPE))?.building).toBeUndefined();
  });

  it('keeps one previous generation and deletes the one before it after a flip', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(30).map((id) => doc(id, 1)));
    const first = await rebuildType(world.deps, world.type, world.options);

    // Act
    const second = await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: second.report.generation, previous: first.report.generation });
    expect(second.report.retired).toEqual([1]);
    expect(world.index.size(TYPE, 1)).toBe(0);
    expect(world.index.size(TYPE, first.report.generation as number)).toBe(30);
    expect(world.catchUp.logs.size).toBe(0);
  });

  it('records its clean-up on the build record, deleting at half the write capacity of a provisioned table', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(30).map((id) => doc(id, 1)));
    await rebuildType(world.deps, world.type, world.options);
    world.deps.capacity = { writeCapacity: async () => ({ mode: 'provisioned', writesPerSecond: 400 }) };
    const { cleanupDeletesPerSecond: _configured, ...options } = world.options;

    // Act
    const { report, cleanup } = await rebuildType(world.deps, world.type, options);

    // Assess
    expect(cleanup).toMatchObject({ generations: [1], deleted: 30, interrupted: false, rate: { deletesPerSecond: 200 } });
    expect((await world.control.get(TYPE, report.buildId))?.cleanup).toMatchObject({
      state: 'done', deletesPerSecond: 200, rateFrom: "half of the table's 400 provisioned write units", pending: [], deletedGenerations: [1], deleted: 30,
    });
  });

  it('publishes its report last, after the clean-up, saying what the clean-up deleted', async () => {
    // Prepare: the second build retires generation 1 (30 records).
    const world = createWorld();
    await seed(world, ids(30).map((id) => doc(id, 1)));
    await rebuildType(world.deps, world.type, world.options);
    const sizeWhenPublished: number[] = [];
    const report = world.notifier.report.bind(world.notifier);
    world.notifier.report = async (kind, type, body) => {
      sizeWhenPublished.push(world.index.size(TYPE, 1));
      await report(kind, type, body);
    };

    // Act
    await rebuildType(world.deps, world.type, world.options);

    // Assess
    expect(sizeWhenPublished).toEqual([0]);
    expect(world.notifier.reports.at(-1)?.report).toMatchObject({ outcome: 'succeeded', cleanup: { generations: [1], deleted: 30, failed: [], interrupted: false } });
  });

  it('reports an interrupted build as interrupted, discards its generation and warns', async () => {
    // Prepare
    const world = createWorld();
    await seed(world, ids(30).map((id) => doc(id, 1)));
    const stop = new AbortController();
    world.deps.onPhase = (_type, phase) => {
      if (phase === 'loading') stop.abort(new Error('received SIGINT'));
    };

    // Act
    const { report } = await rebuildType(world.deps, world.type, { ...world.options, signal: stop.signal });

    // Assess
    expect(report).toMatchObject({ outcome: 'interrupted', activeAfter: 1, reasons: [expect.stringMatching(/stopped: received SIGINT/)] });
    expect(await world.index.readPointer(TYPE)).toMatchObject({ active: 1 });
    expect((await world.index.readPointer(TYPE))?.building).toBeUndefined();
    expect(await world.control.latest(TYPE)).toMatchObject({ status: 'interrupted' });
    expect(world.notifier.alerts).toEqual([expect.objectContaining({ kind: 'build-interrupted', severity: 'warning' })]);
  });

  it('carries the tombstones of the active generation over, so a late older upsert cannot resurrect a deleted resource', async () => {
    // Prepare
    const world = createWorld();
    const apply = world.applier();
    await seed(world, [doc('a', 1), doc('b', 1)]);
    world.source.docs.delete('a');
    await apply([{ key: 'del', change: { type: TYPE, id: 'a', op: 'delete', version: 2 } }]);
    await rebuildType(world.deps, world.type, world.options);
    await new Promise((resolve) => setTimeout(resolve, 30));

    // Act
    await world.applier()([{ key: 'late', change: { type: TYPE, id: 'a', op: 'upsert', version: 1, doc: doc('a', 1) } }]);

    // Assess
    expect(await world.activeRecord('a')).toMatchObject({ deleted: true, version: 2 });
  });

  it('refuses to start while another build holds the lease and keeps heartbeating', async () => {
    // Prepare
    const world = createWorld();
    await world.control.acquire({ type: TYPE, buildId: 'other', holder: 'batch-job-1', acquiredAt: Date.now(), expiresAt: Date.now() + 60_000 }, Date.now());

    // Act
    const attempt = rebuildType(world.deps, world.type, { ...world.options, lease: { ttlMs: 2_000, heartbeatMs: 100, waitMs: 50 } });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LeaseHeldError);
    await expect(attempt).rejects.toThrow(/build other on batch-job-1/);
  });
});
