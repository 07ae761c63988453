/**
 * The one per-type cache of the project: a type's pointer (appliers, the checker, the ops API and
 * readers) and a type's quarantined ids (readers), each kept for a bounded lifetime.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from './ports.ts';

/** How many types a cache keeps at once: far more than any deployment declares. */
const MAX_TYPES = 1_000;

/** A cached value and when it was loaded (stamped before the load): it may be stale from `loadedAt + maxAgeMs` on. */
export interface CacheEntry<V> {
  value: V;
  loadedAt: number;
}

/**
 * A per-type value loaded on demand and kept for `maxAgeMs` by the injected clock. Concurrent
 * misses of one type share one load; a failed load is not cached. Bounded: the least recently
 * used types are dropped past 1,000.
 *
 * @example
 * const quarantined = new TypeCache(10_000, Date.now, async (type) => new Set((await store.list(type)).map((entry) => entry.id)));
 * const ids = await quarantined.get('video');
 */
export class TypeCache<V> {
  readonly #entries = new LRUCache<string, CacheEntry<V>>({ max: MAX_TYPES });
  readonly #loading = new Map<string, Promise<CacheEntry<V>>>();

  /**
   * @param maxAgeMs how long a loaded value is served
   * @param load reads a type's value; `loadedAt` is the clock's reading just before
   */
  constructor(
    readonly maxAgeMs: number,
    private readonly clock: Clock,
    private readonly load: (type: string, loadedAt: number) => Promise<V>,
  ) {}

  /** The type's value, loaded when absent or older than `maxAgeMs`. */
  async get(type: string): Promise<V> {
    return (await this.entry(type)).value;
  }

  /** The type's entry if it is loaded and younger than `maxAgeMs`, without waiting (the hot path). */
  fresh(type: string): CacheEntry<V> | undefined {
    const entry = this.#entries.get(type);
    return entry && this.clock() - entry.loadedAt < this.maxAgeMs ? entry : undefined;
  }

  /** The type's value and when it was loaded. */
  async entry(type: string): Promise<CacheEntry<V>> {
    const entry = this.fresh(type);
    if (entry) return entry;
    const pending = this.#loading.get(type) ?? this.#load(type);
    this.#loading.set(type, pending);
    try {
      return await pending;
    } finally {
      this.#loading.delete(type);
    }
  }

  /** Forgets one type's value, or every type's. */
  invalidate(type?: string): void {
    if (type === undefined) this.#entries.clear();
    else this.#entries.delete(type);
  }

  async #load(type: string): Promise<CacheEntry<V>> {
    const loadedAt = this.clock();
    const entry = { value: await this.load(type, loadedAt), loadedAt };
    this.#entries.set(type, entry);
    return entry;
  }
}
