import { describe, expect, it } from 'vitest';
import { initialPointer, nextPointer } from '../../../lambdas/core/pointer.ts';
import { runRetirements, silentLog, type CleanupArgs, type CleanupProgress } from '../../../lambdas/core/rebuild/index.ts';
import { toStoredRecord } from '../../../lambdas/core/records.ts';
import { MemoryCatchUpLog, MemoryControl, MemoryIndex } from '../../support/memory/index.ts';
import { TYPE } from './support/world.ts';

/** Generations 5 (active) and 4 (previous), records per generation as given; swept unless told otherwise. */
async function setUp(generations: Record<number, number>, options: { swept?: boolean } = {}) {
  const index = new MemoryIndex();
  const control = new MemoryControl();
  const catchUp = new MemoryCatchUpLog();
  for (const [generation, count] of Object.entries(generations)) {
    const records = Array.from({ length: count }, (_, i) => toStoredRecord(TYPE, Number(generation), { kind: 'upsert', id: `r${i}`, version: 1, hash: 'h', record: {} }, 0, 60));
    await index.bulkPut(TYPE, Number(generation), records);
  }
  // Generation 5 is active, 4 previous.
  const pointer = nextPointer(initialPointer(TYPE, 0), { active: 5, previous: 4, nextGeneration: 6 }, 0);
  await index.swapPointer(undefined, pointer);
  if (options.swept ?? true) await control.markSwept(TYPE, 6);
  const sleeps: number[] = [];
  let now = 1_000_000;
  const args: CleanupArgs = {
    type: TYPE, pointers: index, records: index, catchUp, retirements: control, clock: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    graceMs: 2_000, rate: { deletesPerSecond: 100, from: 'configured' }, segments: 1, log: silentLog,
  };
  return { index, control, catchUp, args, sleeps, at: () => now };
}

describe('clean-up of retired generations', () => {
  it('deletes a retired generation at the configured rate and removes its note', async () => {
    // Prepare
    const { index, control, args, sleeps, at } = await setUp({ 3: 500, 4: 10, 5: 10 });
    await control.add({ type: TYPE, generation: 3, records: true, retiredAt: at(), reason: 'test' });

    // Act
    const result = await runRetirements(args);

    // Assess
    expect(result).toMatchObject({ generations: [3], deleted: 500 });
    expect(index.size(TYPE, 3)).toBe(0);
    expect(await control.pending(TYPE)).toEqual([]);
    // 500 deletes at 100/s: the clean-up spread them over (about) five seconds after the grace period.
    expect(sleeps[0]).toBe(2_000);
    expect(sleeps.slice(1).reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(4_000);
  });

  it('stops when the job is asked to stop, leaving the note for the next build', async () => {
    // Prepare
    const { index, control, args, at } = await setUp({ 3: 50, 4: 10, 5: 10 });
    await control.add({ type: TYPE, generation: 3, records: true, retiredAt: at(), reason: 'test' });
    const stop = new AbortController();
    stop.abort(new Error('received SIGTERM'));

    // Act
    const result = await runRetirements({ ...args, signal: stop.signal });

    // Assess
    expect(result).toMatchObject({ deleted: 0, interrupted: true });
    expect(index.size(TYPE, 3)).toBe(50);
    expect(await control.pending(TYPE)).toHaveLength(1);
  });

  it('never deletes the records of a generation the pointer still names', async () => {
    // Prepare
    const { index, control, args, at } = await setUp({ 4: 10, 5: 10 });
    await control.add({ type: TYPE, generation: 4, records: true, retiredAt: at(), reason: 'mistaken' });

    // Act
    await runRetirements(args);

    // Assess
    expect(index.size(TYPE, 4)).toBe(10);
  });

  it("clears only the catch-up log of a generation that went live", async () => {
    // Prepare
    const { index, control, catchUp, args, at } = await setUp({ 5: 10 });
    await catchUp.record(TYPE, 5, ['r1', 'r2']);
    await control.add({ type: TYPE, generation: 5, records: false, retiredAt: at(), reason: 'log of the flipped generation' });

    // Act
    await runRetirements(args);

    // Assess
    expect(catchUp.logs.size).toBe(0);
    expect(index.size(TYPE, 5)).toBe(10);
    expect(await control.pending(TYPE)).toEqual([]);
  });

  it('deletes a generation an earlier run left without a note', async () => {
    // Prepare: generation 2 was replaced long ago, but its note was never written.
    const { index, control, args } = await setUp({ 2: 30, 4: 10, 5: 10 }, { swept: false });

    // Act
    const result = await runRetirements(args);

    // Assess
    expect(result.generations).toEqual([1, 2, 3]);
    expect(index.size(TYPE, 2)).toBe(0);
    expect(index.size(TYPE, 4) + index.size(TYPE, 5)).toBe(20);
    expect(await control.sweptBelow(TYPE)).toBe(6);
  });

  it('keeps a generation noted by a build that has not opened it yet', async () => {
    // Prepare: a build noted generation 6 (the next one) and is about to open it.
    const { index, control, args } = await setUp({ 4: 10, 5: 10 });
    await control.add({ type: TYPE, generation: 6, records: true, reason: 'opened by build b' });
    await index.bulkPut(TYPE, 6, [toStoredRecord(TYPE, 6, { kind: 'upsert', id: 'early', version: 1, hash: 'h', record: {} }, 0, 60)]);

    // Act
    await runRetirements(args);

    // Assess
    expect(index.size(TYPE, 6)).toBe(1);
    expect(await control.pending(TYPE)).toContainEqual(expect.objectContaining({ generation: 6, records: true }));
  });

  it('reports its rate, what is left and what it deleted, ending done', async () => {
    // Prepare
    const { control, args, at } = await setUp({ 3: 40, 4: 10, 5: 10 });
    await control.add({ type: TYPE, generation: 3, records: true, retiredAt: at(), reason: 'test' });
    const reports: CleanupProgress[] = [];

    // Act
    await runRetirements({ ...args, rate: { deletesPerSecond: 20, from: "half of the table's 40 provisioned write units" }, onProgress: (progress) => reports.push(progress) });

    // Assess
    expect(reports[0]).toMatchObject({ state: 'deleting', deletesPerSecond: 20, rateFrom: "half of the table's 40 provisioned write units", pending: [3], deleted: 0 });
    expect(reports.map((report) => report.state)).toContain('waiting');
    expect(reports.at(-1)).toMatchObject({ state: 'done', pending: [], deletedGenerations: [3], deleted: 40 });
    expect(reports.at(-1)?.finishedAt).toBeDefined();
  });
});
