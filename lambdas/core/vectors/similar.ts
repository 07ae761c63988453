/**
 * similar(): the nearest records of one record, in the type's live generation (docs/vectors.md).
 * The engine proposes candidates; each is re-checked against the store (its current record and
 * vector, tombstones and quarantined ids dropped, the caller's filter applied) and re-ranked by
 * the exact cosine distance, fetching more candidates until `k` are left or the index is spent.
 */
import { NotFoundError } from '../errors.ts';
import type { Pointer } from '../pointer.ts';
import type { Clock } from '../ports.ts';
import type { Generation, StoredRecord } from '../records.ts';
import { cosineDistance } from './distance.ts';
import { NoVectorsError } from './errors.ts';
import { DEFAULT_TUNING, GenerationIndex, type IndexTuning } from './generation-index.ts';
import type { SimilarPorts } from './ports.ts';

/** Options of one similar() call. */
export interface SimilarOptions<R = unknown> {
  /** How many neighbours. @default 10 */
  k?: number;
  /** Keeps only the records it returns true for (applied before `k` is counted). */
  filter?: (record: R, id: string) => boolean;
}

/** One neighbour. */
export interface SimilarItem<R = unknown> {
  id: string;
  /** Cosine distance to the queried record's vector (0 = same direction). */
  distance: number;
  record: R;
  /** The source version of the index record. */
  version: number;
  /** The generation answered from (the live one). */
  generation: Generation;
}

/** The pointer and quarantined ids of a type, as the reader caches them. */
export type LiveState = (type: string) => Promise<[Pointer | undefined, ReadonlySet<string>]>;

/** similar() over its ports. */
export class SimilarItems {
  readonly #indexes = new Map<string, Promise<GenerationIndex>>();
  readonly #tuning: IndexTuning;

  constructor(
    private readonly ports: Omit<SimilarPorts, 'pointers' | 'quarantine'>,
    private readonly live: LiveState,
    private readonly clock: Clock,
    tuning: Partial<IndexTuning> = {},
  ) {
    this.#tuning = { ...DEFAULT_TUNING, ...tuning };
  }

  async similar<R>(type: string, id: string, options: SimilarOptions<R> = {}): Promise<Array<SimilarItem<R>>> {
    const k = options.k ?? 10;
    const [pointer, quarantined] = await this.live(type);
    if (!pointer) throw new NotFoundError(`a live generation of type "${type}"`, { type });
    const generation = pointer.active;
    const query = (await this.ports.records.getRecords(type, generation, [id])).get(id);
    if (!query || query.deleted) throw new NotFoundError(`${type}/${id} in generation ${generation} of the index`, { type, id, generation });
    if (!query.vector) throw new NoVectorsError(`${type}/${id} has no vector: does "${type}" have an embed step?`, { type, id, generation });
    const index = await this.#index(pointer);
    await index.refresh();
    if (!index.fits(query.vector)) {
      throw new NoVectorsError(
        `${type}/${id} has a vector of ${query.vector.length} dimensions and generation ${generation}'s index ${index.dimensions}: after changing embed.dimensions, rebuild the type`,
        { type, id, generation },
      );
    }
    return this.#nearest(index, query.vector, id, k, quarantined, options.filter) as Promise<Array<SimilarItem<R>>>;
  }

  /** Candidates from the engine, re-checked and re-ranked, doubling the fetch until `k` remain. */
  async #nearest(index: GenerationIndex, vector: Float32Array, self: string, k: number, quarantined: ReadonlySet<string>, filter?: (record: never, id: string) => boolean): Promise<SimilarItem[]> {
    if (k <= 0) return [];
    let fetch = Math.max(2 * k, k + 10);
    for (;;) {
      const candidates = index.search(vector, fetch + 1).filter((match) => match.id !== self && !quarantined.has(match.id));
      const current = await this.ports.records.getRecords(index.type, index.generation, candidates.map((match) => match.id));
      const kept = [...current.values()].filter((record) => keep(record, vector.length, filter));
      if (kept.length >= k || fetch + 1 >= index.size) return rank(kept, vector, index.generation).slice(0, k);
      fetch *= 2;
    }
  }

  /** The index of the pointer's live generation; those of generations the pointer no longer names are dropped. */
  #index(pointer: Pointer): Promise<GenerationIndex> {
    const wanted = new Set([pointer.active, pointer.previous].filter((generation) => generation !== undefined));
    for (const key of this.#indexes.keys()) {
      const [type, generation] = splitKey(key);
      if (type === pointer.type && !wanted.has(generation)) this.#indexes.delete(key);
    }
    const key = `${pointer.type}@${pointer.active}`;
    let index = this.#indexes.get(key);
    if (!index) {
      const built = new GenerationIndex(pointer.type, pointer.active, this.ports, this.#tuning, this.clock);
      index = built.build().then(() => built);
      index.catch(() => this.#indexes.delete(key));
      this.#indexes.set(key, index);
    }
    return index;
  }
}

function keep(record: StoredRecord, dimensions: number, filter?: (record: never, id: string) => boolean): boolean {
  // A vector of another length (written since embed.dimensions changed) has no distance to this one.
  if (record.deleted || !record.vector || record.vector.length !== dimensions) return false;
  return filter ? filter(record.record as never, record.id) : true;
}

function rank(records: StoredRecord[], vector: Float32Array, generation: Generation): SimilarItem[] {
  return records
    .map((record) => ({ id: record.id, distance: cosineDistance(vector, record.vector as Float32Array), record: record.record, version: record.version, generation }))
    .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1));
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf('@');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
