/**
 * In-memory implementations of every port the rebuild uses. Each operation yields to the event
 * loop first, so concurrent callers interleave the way they do against a real store.
 */
import { ConflictError } from '../../../../lambdas/core/errors.ts';
import type { Pointer } from '../../../../lambdas/core/pointer.ts';
import type { Alert, CatchUpLog, Notifier, PointerStore, RecordStore, ScanOptions, Source, SourceDoc } from '../../../../lambdas/core/ports.ts';
import { guard, toStoredRecord, type Generation, type RecordWrite, type StoredRecord, type WriteResult } from '../../../../lambdas/core/records.ts';
import type { BuildRecord, BuildRecordStore, Lease, LeaseStore, Retirement, RetirementStore } from '../../../../lambdas/core/rebuild/index.ts';
import { segmentOf } from '../../../../lambdas/adapters/sources/segments.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A source of truth held in a map. `hidden` ids are left out of scans (a source returning too few
 * documents). `paging` says how a scan pages:
 * - `stable` (default): the ids of the segment are taken when the scan starts, each document read
 *   when its page is served, like a keyset cursor: every document that exists throughout is returned;
 * - `offset`: every page is "the next `pageSize` ids of the segment, in order, from position
 *   `offset`", computed from the documents as they are *then*, like `?offset=` pagination: a delete
 *   behind the cursor shifts the later pages and the scan skips a document.
 */
export class MemorySource implements Source {
  readonly docs = new Map<string, SourceDoc>();
  hidden = new Set<string>();
  /** Called between reading a scan page and handing it over (tests slow the scan down or count pages). */
  beforePage: () => Promise<void> = tick;
  estimate: 'exact' | 'none' = 'exact';
  paging: 'stable' | 'offset' = 'stable';

  get stableScan(): boolean {
    return this.paging === 'stable';
  }

  async get(id: string): Promise<SourceDoc | undefined> {
    await tick();
    return this.docs.get(id);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    await tick();
    const found = new Map<string, SourceDoc>();
    for (const id of ids) {
      const doc = this.docs.get(id);
      if (doc) found.set(id, doc);
    }
    return found;
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    if (this.paging === 'offset') {
      yield* this.scanByOffset(options);
      return;
    }
    const ids = this.segmentIds(options);
    const size = options.pageSize ?? 100;
    for (let start = 0; start < ids.length; start += size) {
      await tick();
      // Read each document when its page is served: a long scan sees later edits of later pages.
      const page = ids.slice(start, start + size).flatMap((id) => {
        const doc = this.docs.get(id);
        return doc ? [doc] : [];
      });
      // Like a network answer, the page arrives a while after it was read: its documents may be outdated by then.
      await this.beforePage();
      if (page.length > 0) yield page;
    }
  }

  async estimateCount(): Promise<number | undefined> {
    return this.estimate === 'exact' ? this.docs.size : undefined;
  }

  private async *scanByOffset(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    const size = options.pageSize ?? 100;
    for (let offset = 0; ; offset += size) {
      await tick();
      const ids = this.segmentIds(options).sort();
      const page = ids.slice(offset, offset + size).map((id) => this.docs.get(id) as SourceDoc);
      await this.beforePage();
      if (page.length > 0) yield page;
      if (offset + size >= ids.length) return;
    }
  }

  private segmentIds(options: ScanOptions): string[] {
    return [...this.docs.keys()].filter((id) => segmentOf(id, options.totalSegments) === options.segment && !this.hidden.has(id));
  }
}

/** Pointers and records in maps, the version guard applied atomically per write. */
export class MemoryIndex implements PointerStore, RecordStore {
  readonly pointers = new Map<string, Pointer>();
  readonly records = new Map<string, StoredRecord>();
  bulkPuts = 0;
  /** Called inside every bulkPut (tests slow it down or make it fail). */
  onBulkPut: (records: readonly StoredRecord[]) => Promise<void> = tick;

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
      throw new ConflictError(`pointer of "${next.type}" changed concurrently`);
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
    const results: WriteResult[] = [];
    for (const write of writes) {
      await tick();
      const k = key(type, write.id, generation);
      const result = guard(this.records.get(k), write);
      if (result === 'written') this.records.set(k, toStoredRecord(type, generation, write, this.clock(), this.tombstoneTtlSeconds));
      results.push(result);
    }
    return results;
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

  /** Record count of one generation (tombstones included). */
  size(type: string, generation: Generation): number {
    return [...this.records.values()].filter((record) => record.type === type && record.generation === generation).length;
  }
}

function key(type: string, id: string, generation: Generation): string {
  return `${type}\u0000${id}\u0000${generation}`;
}

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
}

/** The control records of the rebuild: leases, build records, retirement notes. */
export class MemoryControl implements LeaseStore, BuildRecordStore, RetirementStore {
  readonly leases = new Map<string, Lease>();
  readonly builds = new Map<string, BuildRecord>();
  readonly latestBuild = new Map<string, BuildRecord>();
  readonly notes = new Map<string, Retirement>();
  readonly swept = new Map<string, Generation>();

  async acquire(lease: Lease, now: number): Promise<void> {
    await tick();
    const current = this.leases.get(lease.type);
    if (current && current.expiresAt > now && current.buildId !== lease.buildId) throw new ConflictError('lease held');
    this.leases.set(lease.type, { ...lease });
  }

  async renew(lease: Lease, expiresAt: number): Promise<Lease> {
    await tick();
    const current = this.leases.get(lease.type);
    if (current?.buildId !== lease.buildId) throw new ConflictError('lease lost');
    const renewed = { ...current, expiresAt };
    this.leases.set(lease.type, renewed);
    return { ...renewed };
  }

  async release(lease: Lease): Promise<void> {
    await tick();
    if (this.leases.get(lease.type)?.buildId === lease.buildId) this.leases.delete(lease.type);
  }

  async read(type: string): Promise<Lease | undefined> {
    await tick();
    const lease = this.leases.get(type);
    return lease ? { ...lease } : undefined;
  }

  async save(record: BuildRecord, options: { latest?: boolean } = {}): Promise<void> {
    await tick();
    this.builds.set(`${record.type}#${record.buildId}`, structuredClone(record));
    if (options.latest !== false) this.latestBuild.set(record.type, structuredClone(record));
  }

  async get(type: string, buildId: string): Promise<BuildRecord | undefined> {
    await tick();
    return this.builds.get(`${type}#${buildId}`);
  }

  async latest(type: string): Promise<BuildRecord | undefined> {
    await tick();
    const record = this.latestBuild.get(type);
    return record ? structuredClone(record) : undefined;
  }

  async list(type: string, limit: number): Promise<BuildRecord[]> {
    await tick();
    return [...this.builds.values()]
      .filter((record) => record.type === type)
      .sort((a, b) => b.buildId.localeCompare(a.buildId))
      .slice(0, limit);
  }

  async add(retirement: Retirement): Promise<void> {
    await tick();
    this.notes.set(`${retirement.type}#${retirement.generation}#${retirement.records}`, { ...retirement });
  }

  async remove(type: string, generation: Generation, records: boolean): Promise<void> {
    await tick();
    this.notes.delete(`${type}#${generation}#${records}`);
  }

  async sweptBelow(type: string): Promise<Generation> {
    await tick();
    return this.swept.get(type) ?? 1;
  }

  async markSwept(type: string, below: Generation): Promise<void> {
    await tick();
    this.swept.set(type, below);
  }

  async pending(type: string): Promise<Retirement[]> {
    await tick();
    return [...this.notes.values()].filter((note) => note.type === type).map((note) => ({ ...note }));
  }
}

export class MemoryNotifier implements Notifier {
  readonly alerts: Alert[] = [];
  readonly reports: Array<{ kind: string; type: string; report: Record<string, unknown> }> = [];

  async alert(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }

  async report(kind: 'build' | 'audit', type: string, report: Record<string, unknown>): Promise<void> {
    this.reports.push({ kind, type, report });
  }
}
