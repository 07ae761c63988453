/**
 * The checker's world for unit tests: a `video` type and every port it uses, in memory (the one
 * set of test/support/memory), with a clock that moves only when a test moves it.
 */
import type { ResolvedType } from '../../../lambdas/core/apply.ts';
import { validateConfig, type FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import type { VerifyDeps } from '../../../lambdas/core/verify/check.ts';
import {
  MemoryCatchUpLog,
  MemoryDifferenceCounters,
  MemoryIndex,
  MemoryNotifier,
  MemoryQuarantine,
  MemoryScheduler,
  MemorySource,
} from '../../support/memory/index.ts';

/** A test clock: `now` moves only when a test moves it. */
export function testClock(start = 1_700_000_000_000) {
  const clock = Object.assign(() => clock.now, { now: start, advance: (ms: number) => (clock.now += ms) });
  return clock;
}

/** A video type with a plain, deterministic transform unless given another. */
export function videoConfig(overrides: Record<string, unknown> = {}): FreshindexConfigInput {
  return {
    types: [
      {
        name: 'video',
        source: { type: 'jsonl', path: 'unused.jsonl' },
        transform: (doc: SourceDoc) => ({ title: doc['title'] }),
        version: (doc: SourceDoc) => doc['version'] as number,
        settleDelaySeconds: 60,
        quarantineThreshold: 3,
        releaseAfterCleanChecks: 2,
        ...overrides,
      },
    ],
  };
}

export interface MemoryWorld {
  deps: VerifyDeps;
  source: MemorySource;
  index: MemoryIndex;
  quarantine: MemoryQuarantine;
  counters: MemoryDifferenceCounters;
  scheduler: MemoryScheduler;
  notifier: MemoryNotifier;
  catchUp: MemoryCatchUpLog;
  clock: ReturnType<typeof testClock>;
}

/** The checker's dependencies, all in memory; the pointer names generation 1 active. */
export function memoryWorld(configInput: FreshindexConfigInput = videoConfig(), docs: SourceDoc[] = []): MemoryWorld {
  const config = validateConfig(configInput);
  const clock = testClock();
  const source = new MemorySource(docs);
  const index = new MemoryIndex(clock);
  index.pointers.set('video', { type: 'video', active: 1, nextGeneration: 2, revision: 1, updatedAt: clock.now });
  const types = new Map<string, ResolvedType>(config.types.map((type) => [type.name, { config: type, source }]));
  const quarantine = new MemoryQuarantine();
  const counters = new MemoryDifferenceCounters();
  const scheduler = new MemoryScheduler();
  const notifier = new MemoryNotifier();
  const catchUp = new MemoryCatchUpLog();
  const deps: VerifyDeps = {
    types,
    pointers: new PointerCache(index, 10_000, clock),
    records: index,
    catchUp,
    quarantine,
    counters,
    scheduler,
    notifier,
    clock,
  };
  return { deps, source, index, quarantine, counters, scheduler, notifier, catchUp, clock };
}
