/**
 * The reader's policy, over its ports: the type's pointer names the live generation, the
 * quarantine says which ids the index is not trusted for, and each id is read from the index
 * or from the fallback accordingly. The same for every store. See docs/reader.md.
 */
import type { Pointer } from '../pointer.ts';
import type { Clock } from '../ports.ts';
import type { Generation } from '../records.ts';
import { TypeCache } from '../type-cache.ts';
import { NoVectorsError, SimilarItems, type IndexTuning, type SimilarItem, type SimilarOptions } from '../vectors/index.ts';
import type { IndexHit, ReadResult, Reader, ReaderFallback, ReaderPorts } from './ports.ts';

/** Settings of the policy (the public options of `createReader`, defaults applied). */
export interface ReaderPolicyOptions {
  /** How long a type's pointer is cached (ms). */
  pointerCacheMs: number;
  /** How long a type's quarantined ids are cached (ms). */
  quarantineCacheMs: number;
  fallback?: ReaderFallback | undefined;
  onFallbackError?: ((error: unknown, context: { type: string; ids: readonly string[] }) => void) | undefined;
  clock: Clock;
  /** Tuning of similar()'s vector indexes (the journal's read interval: its staleness bound). */
  vectorTuning?: Partial<IndexTuning> | undefined;
  /** Releases what the wiring opened for this reader. */
  close?: () => Promise<void>;
}

/**
 * A reader over `ports`. It only ever reads the generation the type's pointer names as active
 * (never a building one), reads tombstones as missing, and serves quarantined ids, and every id
 * of a type without a pointer, from the fallback when there is one.
 */
export function readerOver<Records extends Record<string, unknown>>(ports: ReaderPorts, options: ReaderPolicyOptions): Reader<Records> {
  return new PolicyReader<Records>(ports, options);
}

/** An id's read plan and what each side answered. */
interface Answers {
  generation?: Generation;
  quarantined: ReadonlySet<string>;
  hits: ReadonlyMap<string, IndexHit>;
  /** The fallback's records; `undefined` when it failed. */
  fallen: ReadonlyMap<string, unknown> | undefined;
  /** The ids asked of the fallback. */
  viaFallback: ReadonlySet<string>;
}

class PolicyReader<Records extends Record<string, unknown>> implements Reader<Records> {
  readonly #pointers: TypeCache<Pointer | undefined>;
  readonly #quarantine: TypeCache<ReadonlySet<string>>;
  readonly #similar: SimilarItems | undefined;

  constructor(
    private readonly ports: ReaderPorts,
    private readonly options: ReaderPolicyOptions,
  ) {
    // Read-only: unlike the writers' PointerCache, a reader never creates a pointer.
    this.#pointers = new TypeCache(options.pointerCacheMs, options.clock, (type) => ports.pointers.readPointer(type));
    this.#quarantine = new TypeCache(options.quarantineCacheMs, options.clock, async (type): Promise<ReadonlySet<string>> => new Set((await ports.quarantine.list(type)).map((entry) => entry.id)));
    this.#similar = ports.vectors && new SimilarItems(ports.vectors, async (type) => this.#pointerAndQuarantine(type), options.clock, options.vectorTuning);
  }

  async similar<T extends keyof Records & string>(type: T, id: string, options?: SimilarOptions<Records[T]>): Promise<Array<SimilarItem<Records[T]>>> {
    if (!this.#similar) throw new NoVectorsError('this reader was wired without vector reads', { type });
    return this.#similar.similar(type, id, options);
  }

  async get<T extends keyof Records & string>(type: T, id: string): Promise<ReadResult<Records[T]>> {
    const [result] = await this.#read(type, [id]);
    return result as ReadResult<Records[T]>;
  }

  async getMany<T extends keyof Records & string>(type: T, ids: readonly string[]): Promise<Array<ReadResult<Records[T]>>> {
    return (await this.#read(type, ids)) as Array<ReadResult<Records[T]>>;
  }

  invalidate(type?: string): void {
    this.#pointers.invalidate(type);
    this.#quarantine.invalidate(type);
  }

  async close(): Promise<void> {
    await this.options.close?.();
  }

  async #read(type: string, ids: readonly string[]): Promise<ReadResult[]> {
    if (ids.length === 0) return [];
    const [pointer, quarantined] = await this.#pointerAndQuarantine(type);
    const answers = pointer ? await this.#readLive(type, pointer.active, [...new Set(ids)], quarantined) : await this.#readWithoutIndex(type, [...new Set(ids)], quarantined);
    return ids.map((id) => resultOf(id, answers));
  }

  /** Both from the caches without waiting when they are fresh (nearly every read), else loaded together. */
  #pointerAndQuarantine(type: string): [Pointer | undefined, ReadonlySet<string>] | Promise<[Pointer | undefined, ReadonlySet<string>]> {
    const pointer = this.#pointers.fresh(type);
    const quarantined = this.#quarantine.fresh(type);
    if (pointer && quarantined) return [pointer.value, quarantined.value];
    return Promise.all([this.#pointers.get(type), this.#quarantine.get(type)]);
  }

  /** The live generation for trusted ids, the fallback for quarantined ones (the index again if it fails). */
  async #readLive(type: string, generation: Generation, unique: string[], quarantined: ReadonlySet<string>): Promise<Answers> {
    const viaFallback = new Set(this.options.fallback ? unique.filter((id) => quarantined.has(id)) : []);
    const viaIndex = viaFallback.size === 0 ? unique : unique.filter((id) => !viaFallback.has(id));
    const [hits, fallen] = await Promise.all([this.#readIndex(type, generation, viaIndex), this.#readFallback(type, [...viaFallback])]);
    if (fallen === undefined) {
      for (const [id, hit] of await this.#readIndex(type, generation, [...viaFallback])) hits.set(id, hit);
    }
    return { generation, quarantined, hits, fallen, viaFallback };
  }

  /** A type with no pointer has nothing indexed: every id is the fallback's, or missing. */
  async #readWithoutIndex(type: string, unique: string[], quarantined: ReadonlySet<string>): Promise<Answers> {
    const viaFallback = new Set(this.options.fallback ? unique : []);
    const fallen = await this.#readFallback(type, [...viaFallback]);
    return { quarantined, hits: new Map(), fallen, viaFallback: fallen === undefined ? new Set() : viaFallback };
  }

  async #readIndex(type: string, generation: Generation, ids: readonly string[]): Promise<Map<string, IndexHit>> {
    return ids.length === 0 ? new Map() : this.ports.records.read(type, generation, ids);
  }

  /** The fallback's records, or `undefined` when it failed (reported to `onFallbackError`). */
  async #readFallback(type: string, ids: readonly string[]): Promise<ReadonlyMap<string, unknown> | undefined> {
    const fallback = this.options.fallback;
    if (!fallback || ids.length === 0) return new Map();
    try {
      return await fallback(type, ids);
    } catch (error) {
      this.options.onFallbackError?.(error, { type, ids });
      return undefined;
    }
  }
}

function resultOf(id: string, answers: Answers): ReadResult {
  const quarantined = answers.quarantined.has(id);
  const at = answers.generation === undefined ? {} : { generation: answers.generation };
  if (answers.fallen?.has(id)) return { id, record: answers.fallen.get(id), from: 'fallback', quarantined, ...at };
  const hit = answers.hits.get(id);
  // An id the fallback answered for (without it) is missing: the index is not trusted for it.
  if (!hit || hit.deleted || (answers.fallen !== undefined && answers.viaFallback.has(id))) {
    return { id, record: undefined, from: 'missing', quarantined, ...at };
  }
  return { id, record: hit.record, from: 'index', quarantined, version: hit.version, ...at };
}
