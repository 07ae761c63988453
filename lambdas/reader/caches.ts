/**
 * The reader's two caches, both with a bounded lifetime: the pointer of each type (which
 * generation is live) and the ids of each type that are quarantined. A flip or a quarantine
 * change becomes visible to a reader within that lifetime.
 */
import { LRUCache } from 'lru-cache';
import type { Pointer } from '../core/pointer.ts';
import type { Clock, PointerStore, QuarantineStore } from '../core/ports.ts';

/** How many types a reader keeps cached at once: far more than any deployment declares. */
const MAX_TYPES = 1_000;

/**
 * A per-type value loaded on demand and kept for `ttlMs` by the injected clock. Concurrent loads
 * of one type share one call; a failed load is not cached. Bounded: the least recently used
 * types are dropped past `MAX_TYPES`.
 */
class TypeCache<V> {
  readonly #entries = new LRUCache<string, { value: V; loadedAt: number }>({ max: MAX_TYPES });
  readonly #loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly load: (type: string) => Promise<V>,
  ) {}

  async get(type: string): Promise<V> {
    const entry = this.#entries.get(type);
    if (entry && this.clock() - entry.loadedAt < this.ttlMs) return entry.value;
    const pending = this.#loading.get(type) ?? this.#load(type);
    this.#loading.set(type, pending);
    try {
      return await pending;
    } finally {
      this.#loading.delete(type);
    }
  }

  invalidate(type?: string): void {
    if (type === undefined) this.#entries.clear();
    else this.#entries.delete(type);
  }

  async #load(type: string): Promise<V> {
    const loadedAt = this.clock();
    const value = await this.load(type);
    this.#entries.set(type, { value, loadedAt });
    return value;
  }
}

/** A type's pointer, or `none` when the type was never indexed (a reader never creates one). */
export interface PointerEntry {
  pointer: Pointer | undefined;
}

/** Pointers cached for a bounded lifetime. Read-only: unlike the applier's cache, it never writes one. */
export class ReaderPointerCache extends TypeCache<PointerEntry> {
  constructor(store: Pick<PointerStore, 'readPointer'>, ttlMs: number, clock: Clock) {
    super(ttlMs, clock, async (type) => ({ pointer: await store.readPointer(type) }));
  }
}

/** The quarantined ids of each type, cached for a bounded lifetime. */
export class QuarantineCache extends TypeCache<Set<string>> {
  constructor(store: Pick<QuarantineStore, 'list'>, ttlMs: number, clock: Clock) {
    super(ttlMs, clock, async (type) => new Set((await store.list(type)).map((entry) => entry.id)));
  }
}
