/**
 * The in-process index of one (type, generation): built from a scan of the generation's records,
 * then kept current from the vector journal (see journal.ts). Ids map to numeric engine keys; an
 * update removes the old key and adds a new one.
 */
import type { Clock } from '../ports.ts';
import type { Generation, StoredRecord } from '../records.ts';
import { JOURNAL_SLICE_MS, readJournal, sliceOf } from './journal.ts';
import type { EngineMatch, SimilarPorts, VectorEngineIndex } from './ports.ts';

/** Tuning of the indexes (see docs/vectors.md). */
export interface IndexTuning {
  /** Least time between two reads of the journal (ms): the staleness bound. @default 10_000 */
  refreshMs: number;
  /** How far back each journal read reaches before the last one (ms): writes landing that late after their entry are still seen. @default 60_000 */
  lookbackMs: number;
  sliceMs: number;
  /** Scan segments read at once when building. @default 4 */
  buildSegments: number;
  /**
   * After this long without a journal read (ms), the index is built again from a scan instead of
   * read from the journal: a long idle reader would read one journal slice per minute it missed,
   * and past the journal's week of retention it would miss changes. @default 1_800_000 (30 min)
   */
  rescanAfterMs: number;
}

/** The tuning of every index unless a reader sets its own. */
export const DEFAULT_TUNING: IndexTuning = { refreshMs: 10_000, lookbackMs: 60_000, sliceMs: JOURNAL_SLICE_MS, buildSegments: 4, rescanAfterMs: 30 * 60_000 };

/** What an indexed id was indexed from: its engine key and write time. */
interface Entry {
  key: number;
  writtenAt: number;
  version: number;
}

/** One generation's index. */
export class GenerationIndex {
  readonly #entries = new Map<string, Entry>();
  readonly #ids = new Map<number, string>();
  #nextKey = 1;
  #engine: VectorEngineIndex | undefined;
  /** The vectors' length: the first record's (a record of another length, written after embed.dimensions changed, waits for a rebuild). */
  #dimensions: number | undefined;
  /** Epoch ms the journal was last read up to (the build's start before the first read). */
  #readUpTo = 0;
  #lastRefresh = 0;
  #refreshing: Promise<void> | undefined;

  constructor(
    readonly type: string,
    readonly generation: Generation,
    private readonly ports: Pick<SimilarPorts, 'records' | 'journal' | 'engine'>,
    private readonly tuning: IndexTuning,
    private readonly clock: Clock,
  ) {}

  /** Scans the generation into a new engine index. */
  async build(): Promise<void> {
    const startedAt = this.clock();
    this.#entries.clear();
    this.#ids.clear();
    this.#engine = undefined;
    this.#dimensions = undefined;
    const segments = Array.from({ length: this.tuning.buildSegments }, (_, segment) => segment);
    const scanned = (await Promise.all(segments.map((segment) => this.#scanSegment(segment)))).flat();
    this.#dimensions = (scanned[0]?.vector as Float32Array | undefined)?.length;
    const records = scanned.filter((record) => this.fits(record.vector as Float32Array));
    if (records.length > 0) {
      this.#engine = this.ports.engine(this.#dimensions as number, records.length);
      const keys = records.map((record) => this.#entry(record));
      this.#engine.addMany(keys, records.map((record) => record.vector as Float32Array));
    }
    this.#readUpTo = startedAt;
    this.#lastRefresh = startedAt;
  }

  async #scanSegment(segment: number): Promise<StoredRecord[]> {
    const found: StoredRecord[] = [];
    for await (const page of this.ports.records.scanGeneration(this.type, this.generation, { segment, totalSegments: this.tuning.buildSegments })) {
      found.push(...page.filter((record) => !record.deleted && record.vector));
    }
    return found;
  }

  /** Reads the journal when `refreshMs` has passed since the last read (one read at a time). */
  async refresh(force = false): Promise<void> {
    if (!force && this.clock() - this.#lastRefresh < this.tuning.refreshMs) return;
    this.#refreshing ??= this.#readJournal().finally(() => {
      this.#refreshing = undefined;
    });
    await this.#refreshing;
  }

  async #readJournal(): Promise<void> {
    const now = this.clock();
    if (now - this.#readUpTo > this.tuning.rescanAfterMs) return this.build();
    const from = sliceOf(this.#readUpTo - this.tuning.lookbackMs, this.tuning.sliceMs);
    const ids = await readJournal(this.ports.journal, this.type, this.generation, from, sliceOf(now, this.tuning.sliceMs));
    const records = ids.size === 0 ? new Map<string, StoredRecord>() : await this.ports.records.getRecords(this.type, this.generation, [...ids]);
    for (const id of ids) {
      const record = records.get(id);
      const entry = this.#entries.get(id);
      if (!record || record.deleted || !record.vector || !this.fits(record.vector)) this.#remove(id);
      else if (!entry || entry.writtenAt !== record.writtenAt || entry.version !== record.version) this.#put(record);
    }
    this.#readUpTo = now;
    this.#lastRefresh = now;
  }

  /** Up to `k` nearest ids by the engine's (approximate) search. */
  search(vector: Float32Array, k: number): Array<{ id: string; distance: number }> {
    if (!this.#engine || this.#entries.size === 0) return [];
    return this.#engine
      .search(vector, Math.min(k, this.#entries.size))
      .map((match: EngineMatch) => ({ id: this.#ids.get(match.key), distance: match.distance }))
      .filter((match): match is { id: string; distance: number } => match.id !== undefined);
  }

  /** True when a vector has the index's length (or the index has none yet). */
  fits(vector: Float32Array): boolean {
    return this.#dimensions === undefined || vector.length === this.#dimensions;
  }

  /** The vectors' length, once a vector was indexed. */
  get dimensions(): number | undefined {
    return this.#dimensions;
  }

  /** Ids indexed. */
  get size(): number {
    return this.#entries.size;
  }

  #put(record: StoredRecord): void {
    const vector = record.vector as Float32Array;
    this.#dimensions ??= vector.length;
    this.#engine ??= this.ports.engine(vector.length, 1024);
    this.#remove(record.id);
    this.#engine.add(this.#entry(record), vector);
  }

  /** A new key for `record`, remembered with what it was indexed from. */
  #entry(record: StoredRecord): number {
    const key = this.#nextKey++;
    this.#entries.set(record.id, { key, writtenAt: record.writtenAt, version: record.version });
    this.#ids.set(key, record.id);
    return key;
  }

  #remove(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#engine?.remove(entry.key);
    this.#entries.delete(id);
    this.#ids.delete(entry.key);
  }
}
