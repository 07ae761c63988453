/**
 * While a build runs, an applied change is logged in the build's catch-up log and written to both
 * generations. The active generation's write goes out with the log; the building generation's
 * waits for the log (a building write the load may overwrite must be logged first, or a slow log
 * write could land after the replay read the log), and a change counts as applied only once all
 * landed.
 */
import { describe, expect, it } from 'vitest';
import { applyChanges, type ApplyDeps, type IncomingChange } from '../../../lambdas/core/apply.ts';
import { StoreError } from '../../../lambdas/core/errors.ts';
import { initialPointer, nextPointer } from '../../../lambdas/core/pointer.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import type { Generation } from '../../../lambdas/core/records.ts';
import { MemoryCatchUpLog, MemoryIndex, MemorySource } from '../../support/memory/index.ts';
import { doc, TYPE, videoType } from '../rebuild/support/world.ts';

/** A catch-up log whose writes wait for `release()`, or fail while `failing` is set. */
class HeldLog extends MemoryCatchUpLog {
  failing = 0;
  #release: () => void = () => {};
  readonly #held = new Promise<void>((resolve) => (this.#release = resolve));
  hold = false;

  release(): void {
    this.#release();
  }

  override async record(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    if (this.hold) await this.#held;
    if (this.failing > 0) {
      this.failing--;
      throw new StoreError('throttled', { retryable: true });
    }
    await super.record(type, generation, ids);
  }
}

async function building(): Promise<{ deps: ApplyDeps; index: MemoryIndex; log: HeldLog }> {
  const index = new MemoryIndex();
  const log = new HeldLog();
  // Generation 1 serves, generation 2 is building.
  await index.swapPointer(undefined, nextPointer(initialPointer(TYPE, 0), { building: { generation: 2, buildId: 'b', startedAt: 0 }, nextGeneration: 3 }, 0));
  const deps: ApplyDeps = { types: new Map([[TYPE, { config: videoType(), source: new MemorySource() }]]), pointers: new PointerCache(index, 60_000, Date.now), records: index, catchUp: log, clock: Date.now };
  return { deps, index, log };
}

const change = (id: string, v: number): IncomingChange => ({ key: `${id}@${v}`, change: { type: TYPE, id, op: 'upsert', version: v, doc: doc(id, v) } });

async function logged(log: MemoryCatchUpLog, generation: Generation): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of log.read(TYPE, generation)) ids.push(...page);
  return ids;
}

describe('the apply path during a build', () => {
  it('writes the active generation while the catch-up log write is on its way, and the building one only after it', async () => {
    // Prepare
    const { deps, index, log } = await building();
    log.hold = true;

    // Act
    const applying = applyChanges(deps, [change('a', 1)], { sleep: async () => {} });
    while ((await index.getRecords(TYPE, 1, ['a'])).size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const writtenBeforeLog = [(await index.getRecords(TYPE, 1, ['a'])).has('a'), (await index.getRecords(TYPE, 2, ['a'])).has('a')];
    log.release();
    const outcomes = await applying;

    // Assess
    expect(writtenBeforeLog).toEqual([true, false]);
    expect(outcomes.get('a@1')?.status).toBe('applied');
    expect((await index.getRecords(TYPE, 2, ['a'])).has('a')).toBe(true);
    expect(await logged(log, 2)).toEqual(['a']);
  });

  it('fails a change whose log write failed, writing no building record, so its redelivery logs it and writes it', async () => {
    // Prepare
    const { deps, log } = await building();
    log.failing = 1;

    // Act: no time for retries inside the call, as at the end of a Lambda's time.
    const first = await applyChanges(deps, [change('a', 1)], { remainingMs: () => 0 });
    const second = await applyChanges(deps, [change('a', 1)], { remainingMs: () => 0 });

    // Assess
    expect(first.get('a@1')?.status).toBe('failed');
    expect(second.get('a@1')?.status).toBe('unchanged');
    expect(await logged(log, 2)).toEqual(['a']);
    expect((await deps.records.getRecords(TYPE, 2, ['a'])).has('a')).toBe(true);
  });
});
