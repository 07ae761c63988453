/**
 * The index in memory, for unit tests: pointers, records (the version guard applied per write),
 * the catch-up log and the generation counter. They pass the contract suites the DynamoDB and
 * Redis stores pass (test/integration/store/*.contract.test.ts).
 */
import { ConflictError, PartialWriteError } from '../../../lambdas/core/errors.ts';
import type { Pointer } from '../../../lambdas/core/pointer.ts';
import type { CatchUpLog, PointerStore, RecordStore, ScanOptions } from '../../../lambdas/core/ports.ts';
import { guard, toStoredRecord, type Generation, type RecordWrite, type StoredRecord, type WriteOutcome, type WriteResult } from '../../../lambdas/core/records.ts';
import type { GenerationCounter } from '../../../lambdas/core/rebuild/ports.ts';
import { segmentOf } from '../../../lambdas/adapters/sources/segments.ts';
import { tick } from './tick.ts';

/** Pointers and records in maps. */
export class MemoryIndex implements PointerStore, RecordStore {
  readonly pointers = new Map<string, Pointer>();
  readonly records = new Map<string, StoredRecord>();
  /** Writes tried (guarded), bulk loads made. */
  writes = 0;
  bulkPuts = 0;
  /** Called inside every bulkPut (tests slow it down or make it fail). */
  onBulkPut: (records: readonly StoredRecord[]) => Promise<void> = tick;
  /** A write this returns an error for fails alone, as a store refusing it would (tests make writes fail). */
  refuse: (write: RecordWrite) => Error | undefined = () => undefined;

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly tombstoneTtlSeconds = 3600,
  ) {}

  async readPointer(type: string): Promise<Pointer | undefined> {
    await tick();
    const pointer = this.pointers.get(type);
    return pointer ? structuredClone(pointer) : undefined;
  }

  async swapPointer(expected: Pointer | undefined, next: Pointer): Promise<void> {
    await tick();
    const current = this.pointers.get(next.type);
    if (expected ? current?.revision !== expected.revision : current !== undefined) {
      throw new ConflictError(`pointer of "${next.type}" changed concurrently`, { type: next.type, expectedRevision: expected?.revision });
    }
    this.pointers.set(next.type, structuredClone(next));
  }

  async getRecords(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    await tick();
    const found = new Map<string, StoredRecord>();
    for (const id of ids) {
      const record = this.records.get(key(type, id, generation));
      if (record) found.set(id, structuredClone(record));
    }
    return found;
  }

  async write(type: string, generation: Generation, writes: readonly RecordWrite[]): Promise<WriteResult[]> {
    const outcomes: WriteOutcome[] = [];
    for (const write of writes) {
      await tick();
      this.writes++;
      const refused = this.refuse(write);
      if (refused) {
        outcomes.push({ error: refused });
        continue;
      }
      const k = key(type, write.id, generation);
      const result = guard(this.records.get(k), write);
      if (result === 'written') this.records.set(k, toStoredRecord(type, generation, structuredClone(write), this.clock(), this.tombstoneTtlSeconds));
      outcomes.push(result);
    }
    if (outcomes.some((outcome) => typeof outcome === 'object')) throw new PartialWriteError(outcomes, { type, generation });
    return outcomes as WriteResult[];
  }

  async bulkPut(type: string, generation: Generation, records: readonly StoredRecord[]): Promise<void> {
    this.bulkPuts++;
    await this.onBulkPut(records);
    for (const record of records) this.records.set(key(type, record.id, generation), { ...structuredClone(record), type, generation });
  }

  async *scanGeneration(type: string, generation: Generation, options: ScanOptions): AsyncIterable<StoredRecord[]> {
    const matching = [...this.records.values()].filter(
      (record) => record.type === type && record.generation === generation && segmentOf(record.id, options.totalSegments) === options.segment,
    );
    const size = options.pageSize ?? 50;
    for (let start = 0; start < matching.length; start += size) {
      await tick();
      options.signal?.throwIfAborted();
      yield matching.slice(start, start + size).map((record) => structuredClone(record));
    }
  }

  async *scanIds(type: string, generation: Generation, options: ScanOptions): AsyncIterable<string[]> {
    for await (const page of this.scanGeneration(type, generation, options)) yield page.map((record) => record.id);
  }

  async deleteRecords(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    await tick();
    for (const id of ids) this.records.delete(key(type, id, generation));
  }

  /** Direct access, as an outside writer would have it. */
  put(record: StoredRecord): void {
    this.records.set(key(record.type, record.id, record.generation), record);
  }

  /** The stored record of `id`, read directly. */
  stored(type: string, id: string, generation: Generation = 1): StoredRecord | undefined {
    return this.records.get(key(type, id, generation));
  }

  /** Removes the record of `id` directly, as an outside writer (or a lost write) would. */
  drop(type: string, id: string, generation: Generation = 1): void {
    this.records.delete(key(type, id, generation));
  }

  /** Record count of one generation (tombstones included). */
  size(type: string, generation: Generation): number {
    return [...this.records.values()].filter((record) => record.type === type && record.generation === generation).length;
  }
}

function key(type: string, id: string, generation: Generation): string {
  return `${type}\u0000${id}\u0000${generation}`;
}

/** Counts a generation's live records in a `MemoryIndex`. */
export class MemoryGenerationCounter implements GenerationCounter {
  constructor(private readonly index: MemoryIndex) {}

  async countLive(type: string, generation: Generation): Promise<number> {
    await tick();
    return [...this.index.records.values()].filter((record) => record.type === type && record.generation === generation && !record.deleted).length;
  }
}

/** The catch-up log: a set of ids per type and generation. */
export class MemoryCatchUpLog implements CatchUpLog {
  readonly logs = new Map<string, Set<string>>();

  async record(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    await tick();
    const log = this.logs.get(`${type}#${generation}`) ?? new Set<string>();
    for (const id of ids) log.add(id);
    this.logs.set(`${type}#${generation}`, log);
  }

  async *read(type: string, generation: Generation): AsyncIterable<string[]> {
    const ids = [...(this.logs.get(`${type}#${generation}`) ?? [])];
    for (let start = 0; start < ids.length; start += 25) {
      await tick();
      yield ids.slice(start, start + 25);
    }
  }

  async clear(type: string, generation: Generation): Promise<void> {
    await tick();
    this.logs.delete(`${type}#${generation}`);
  }

  async forget(type: string, generation: Generation, ids: readonly string[]): Promise<void> {
    await tick();
    for (const id of ids) this.logs.get(`${type}#${generation}`)?.delete(id);
  }

  /** Every id logged, of any type and generation, read directly. */
  loggedIds(): string[] {
    return [...this.logs.values()].flatMap((log) => [...log]);
  }
}
