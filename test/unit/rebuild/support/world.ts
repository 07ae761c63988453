/**
 * A small world for rebuild tests: one resource type, its in-memory source, index, catch-up log,
 * control records and notifier, and helpers to apply changes the way the apply handler does.
 */
import { applyChanges, type ApplyDeps, type IncomingChange } from '../../../../lambdas/core/apply.ts';
import { validateConfig, type FreshindexConfigInput, type TypeConfig } from '../../../../lambdas/core/config/index.ts';
import { PointerCache } from '../../../../lambdas/core/pointer-cache.ts';
import type { SourceDoc } from '../../../../lambdas/core/ports.ts';
import type { StoredRecord } from '../../../../lambdas/core/records.ts';
import type { RebuildDeps, RebuildOptions } from '../../../../lambdas/core/rebuild/index.ts';
import { MemoryCatchUpLog, MemoryControl, MemoryIndex, MemoryNotifier, MemorySource } from '../../../support/memory/index.ts';

export const TYPE = 'video';

type TypeInput = FreshindexConfigInput['types'][number];

/** The test type: a record of title and n, versioned by `v`. */
export function videoType(overrides: Partial<TypeInput> = {}): TypeConfig {
  const config = validateConfig({
    types: [
      {
        name: TYPE,
        source: { type: 'jsonl', path: '/dev/null' },
        transform: (doc: SourceDoc) => ({ title: doc['title'], n: doc['n'] }),
        version: (doc: SourceDoc) => doc['v'] as number,
        rebuild: { gate: { countTolerance: 0.02, maxErrorRate: 0.01, sampleSize: 20 } },
        ...overrides,
      },
    ],
  });
  return config.types[0] as TypeConfig;
}

export function doc(id: string, v: number, title = `title ${id}@${v}`): SourceDoc {
  return { id, v, title, n: v * 2 };
}

export interface World {
  type: TypeConfig;
  source: MemorySource;
  index: MemoryIndex;
  catchUp: MemoryCatchUpLog;
  control: MemoryControl;
  notifier: MemoryNotifier;
  deps: RebuildDeps;
  options: RebuildOptions;
  /**
   * A new applier (its own pointer cache, like one Lambda instance). `clock` drives its pointer
   * cache (default `Date.now`): a clock that stands still keeps the pointer it first read.
   */
  applier(clock?: () => number): (changes: IncomingChange[]) => ReturnType<typeof applyChanges>;
  /** The active generation's record of `id`. */
  activeRecord(id: string): Promise<StoredRecord | undefined>;
}

export const POINTER_CACHE_MS = 20;

export function createWorld(type: TypeConfig = videoType()): World {
  const source = new MemorySource();
  const index = new MemoryIndex();
  const catchUp = new MemoryCatchUpLog();
  const control = new MemoryControl();
  const notifier = new MemoryNotifier();
  const deps: RebuildDeps = {
    source,
    pointers: index,
    records: index,
    catchUp,
    leases: control,
    builds: control,
    retirements: control,
    notifier,
    clock: Date.now,
  };
  const options: RebuildOptions = {
    pointerCacheMs: POINTER_CACHE_MS,
    settleMarginMs: 5,
    tombstoneTtlSeconds: 3600,
    holder: 'test',
    lease: { ttlMs: 2_000, heartbeatMs: 100 },
    concurrency: 3,
    pageSize: 20,
    chunkSize: 10,
    writesInFlight: 4,
    progressIntervalMs: 10,
    sampleRecheck: { attempts: 5, delayMs: 5 },
    cleanupDeletesPerSecond: 100_000,
    retry: { baseMs: 1, capMs: 20 },
  };
  return {
    type,
    source,
    index,
    catchUp,
    control,
    notifier,
    deps,
    options,
    applier(clock = Date.now) {
      const applyDeps: ApplyDeps = {
        types: new Map([[type.name, { config: type, source }]]),
        pointers: new PointerCache(index, POINTER_CACHE_MS, clock),
        records: index,
        catchUp,
        clock,
      };
      return (changes) => applyChanges(applyDeps, changes);
    },
    async activeRecord(id) {
      const pointer = await index.readPointer(type.name);
      return (await index.getRecords(type.name, pointer?.active ?? 1, [id])).get(id);
    },
  };
}

/** Virtual time for a build: the clock moves only when the build sleeps or the test advances it. */
export interface VirtualTime {
  now(): number;
  advance(ms: number): void;
}

/**
 * Drives `world`'s rebuild with virtual time: its clock stands still unless it sleeps (a sleep
 * moves the clock by its length and returns on the next turn of the event loop) or the test calls
 * `advance`. Durations, rates and progress intervals then follow from what the test did, not from
 * how busy the machine is.
 */
export function useVirtualTime(world: World, start = 1_767_225_600_000): VirtualTime {
  let now = start;
  world.deps.clock = () => now;
  world.deps.sleep = async (ms, signal) => {
    signal?.throwIfAborted();
    now += Math.max(0, ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  };
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

let keys = 0;

/** An upsert change carrying its document, as the CMS publishes it. */
export function upsertChange(document: SourceDoc): IncomingChange {
  return { key: `m${++keys}`, change: { type: TYPE, id: String(document['id']), op: 'upsert', version: document['v'] as number, doc: document } };
}

/** A delete change at `version`. */
export function deleteChange(id: string, version: number): IncomingChange {
  return { key: `m${++keys}`, change: { type: TYPE, id, op: 'delete', version } };
}

/** Puts documents in the source and applies them, so the active generation holds them. */
export async function seed(world: World, docs: SourceDoc[]): Promise<void> {
  const apply = world.applier();
  for (const document of docs) world.source.docs.set(String(document['id']), document);
  await apply(docs.map(upsertChange));
}
