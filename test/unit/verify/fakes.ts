/**
 * In-memory implementations of the ports the checker and the audit use, for unit tests.
 */
import type { ResolvedType } from '../../../lambdas/core/apply.ts';
import { validateConfig, type FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import type { Pointer } from '../../../lambdas/core/pointer.ts';
import type {
  Alert,
  CatchUpLog,
  Notifier,
  PointerStore,
  QuarantineEntry,
  QuarantineStore,
  RecordStore,
  ScanOptions,
  Source,
  SourceDoc,
} from '../../../lambdas/core/ports.ts';
import { guard, toStoredRecord, type RecordWrite, type StoredRecord, type WriteResult } from '../../../lambdas/core/records.ts';
import type { VerifyDeps } from '../../../lambdas/core/verify/check.ts';
import type { CheckCounters, CheckRequest, DifferenceCounters, DifferenceSeen } from '../../../lambdas/core/verify/ports.ts';

export class MemorySource implements Source {
  readonly docs = new Map<string, SourceDoc>();
  constructor(docs: SourceDoc[] = []) {
    for (const doc of docs) this.docs.set(String(doc['id']), doc);
  }
  async get(id: string) {
    return this.docs.get(id);
  }
  async getMany(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (this.docs.has(id) ? [[id, this.docs.get(id) as SourceDoc] as const] : [])));
  }
  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    const mine = [...this.docs.values()].filter((_doc, index) => index % options.totalSegments === options.segment);
    const size = options.pageSize ?? 3;
    for (let i = 0; i < mine.length; i += size) yield mine.slice(i, i + size);
  }
}

export class MemoryIndex implements RecordStore, PointerStore {
  readonly records = new Map<string, StoredRecord>();
  pointer: Pointer | undefined;
  writes = 0;
  bulkPuts = 0;
  async readPointer() {
    return this.pointer;
  }
  async swapPointer(_expected: Pointer | undefined, next: Pointer) {
    this.pointer = next;
  }
  async getRecords(type: string, generation: number, ids: readonly string[]) {
    return new Map(ids.flatMap((id) => {
      const record = this.records.get(`${type}#${id}#${generation}`);
      return record ? [[id, structuredClone(record)] as const] : [];
    }));
  }
  async write(type: string, generation: number, writes: readonly RecordWrite[]): Promise<WriteResult[]> {
    return writes.map((write) => {
      this.writes++;
      const key = `${type}#${write.id}#${generation}`;
      const result = guard(this.records.get(key), write);
      if (result === 'written') this.records.set(key, toStoredRecord(type, generation, write, 0, 3600));
      return result;
    });
  }
  async bulkPut(type: string, generation: number, records: readonly StoredRecord[]) {
    this.bulkPuts++;
    for (const record of records) this.records.set(`${type}#${record.id}#${generation}`, { ...record, type, generation });
  }
  async *scanGeneration(type: string, generation: number, options: ScanOptions): AsyncIterable<StoredRecord[]> {
    const mine = [...this.records.values()]
      .filter((record) => record.type === type && record.generation === generation)
      .filter((_record, index) => index % options.totalSegments === options.segment);
    const size = options.pageSize ?? 3;
    for (let i = 0; i < mine.length; i += size) yield mine.slice(i, i + size).map((record) => structuredClone(record));
  }
  async *scanIds(type: string, generation: number, options: ScanOptions): AsyncIterable<string[]> {
    for await (const page of this.scanGeneration(type, generation, options)) yield page.map((record) => record.id);
  }
  async deleteRecords(type: string, generation: number, ids: readonly string[]) {
    for (const id of ids) this.records.delete(`${type}#${id}#${generation}`);
  }
  /** Direct access, as an outside writer would have it. */
  put(record: StoredRecord) {
    this.records.set(`${record.type}#${record.id}#${record.generation}`, record);
  }
  stored(type: string, id: string, generation = 1) {
    return this.records.get(`${type}#${id}#${generation}`);
  }
}

export class MemoryCatchUp implements CatchUpLog {
  readonly logged: string[] = [];
  async record(_type: string, _generation: number, ids: readonly string[]) {
    this.logged.push(...ids);
  }
  async *read(): AsyncIterable<string[]> {
    yield this.logged;
  }
  async clear() {
    this.logged.length = 0;
  }
  async forget(_type: string, _generation: number, ids: readonly string[]) {
    const forgotten = new Set(ids);
    this.logged.splice(0, this.logged.length, ...this.logged.filter((id) => !forgotten.has(id)));
  }
}

export class MemoryQuarantine implements QuarantineStore {
  readonly entries = new Map<string, QuarantineEntry>();
  async list(type: string) {
    return [...this.entries.values()].filter((entry) => entry.type === type);
  }
  async get(type: string, id: string) {
    return this.entries.get(`${type}#${id}`);
  }
  async add(entry: QuarantineEntry) {
    if (this.entries.has(`${entry.type}#${entry.id}`)) return false;
    this.entries.set(`${entry.type}#${entry.id}`, { ...entry });
    return true;
  }
  async recordCleanCheck(type: string, id: string) {
    const entry = this.entries.get(`${type}#${id}`);
    if (!entry) return undefined;
    entry.cleanChecks++;
    return entry.cleanChecks;
  }
  async release(type: string, id: string) {
    return this.entries.delete(`${type}#${id}`);
  }
}

export class MemoryCounters implements DifferenceCounters {
  readonly state = new Map<string, CheckCounters>();
  async get(type: string, id: string) {
    const found = this.state.get(`${type}#${id}`);
    return found ? structuredClone(found) : undefined;
  }
  async recordDifference(type: string, id: string, seen: DifferenceSeen, nextCheckAt: number) {
    const current = this.state.get(`${type}#${id}`) ?? { differences: 0, cleanChecks: 0, recent: [] };
    const next = { differences: current.differences + 1, cleanChecks: 0, recent: [...current.recent, seen].slice(-10), nextCheckAt };
    this.state.set(`${type}#${id}`, next);
    return structuredClone(next);
  }
  async recordClean(type: string, id: string, nextCheckAt?: number) {
    const current = this.state.get(`${type}#${id}`) ?? { differences: 0, cleanChecks: 0, recent: [] };
    const next: CheckCounters = { ...current, differences: 0, cleanChecks: current.cleanChecks + 1 };
    if (nextCheckAt === undefined) delete next.nextCheckAt;
    else next.nextCheckAt = nextCheckAt;
    this.state.set(`${type}#${id}`, next);
    return structuredClone(next);
  }
  async clear(type: string, id: string) {
    this.state.delete(`${type}#${id}`);
  }
}

export class RecordingNotifier implements Notifier {
  readonly alerts: Alert[] = [];
  readonly reports: Array<{ kind: string; type: string; report: Record<string, unknown> }> = [];
  async alert(alert: Alert) {
    this.alerts.push(alert);
  }
  async report(kind: 'build' | 'audit', type: string, report: Record<string, unknown>) {
    this.reports.push({ kind, type, report });
  }
}

export class RecordingScheduler {
  readonly scheduled: CheckRequest[] = [];
  async schedule(request: CheckRequest) {
    this.scheduled.push(request);
  }
  /** The last scheduled check, taken off the list. */
  take(): CheckRequest {
    const last = this.scheduled.pop();
    if (!last) throw new Error('nothing was scheduled');
    return last;
  }
}

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
  counters: MemoryCounters;
  scheduler: RecordingScheduler;
  notifier: RecordingNotifier;
  catchUp: MemoryCatchUp;
  clock: ReturnType<typeof testClock>;
}

/** The checker's dependencies, all in memory; the pointer names generation 1 active. */
export function memoryWorld(configInput: FreshindexConfigInput = videoConfig(), docs: SourceDoc[] = []): MemoryWorld {
  const config = validateConfig(configInput);
  const clock = testClock();
  const source = new MemorySource(docs);
  const index = new MemoryIndex();
  index.pointer = { type: 'video', active: 1, nextGeneration: 2, revision: 1, updatedAt: clock.now };
  const types = new Map<string, ResolvedType>(config.types.map((type) => [type.name, { config: type, source }]));
  const quarantine = new MemoryQuarantine();
  const counters = new MemoryCounters();
  const scheduler = new RecordingScheduler();
  const notifier = new RecordingNotifier();
  const catchUp = new MemoryCatchUp();
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
