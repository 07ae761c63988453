import { ConflictError } from './errors.ts';
import { initialPointer, type Pointer } from './pointer.ts';
import type { Clock, PointerStore } from './ports.ts';

/**
 * Caches pointers for a bounded lifetime, so a steady stream of changes or reads costs one
 * pointer read per type per lifetime. A flip becomes visible within `maxAgeMs`; the rebuild
 * waits that long after opening a generation before it scans.
 */
export class PointerCache {
  readonly #entries = new Map<string, { pointer: Pointer; loadedAt: number }>();
  readonly #loading = new Map<string, Promise<{ pointer: Pointer; loadedAt: number }>>();

  constructor(
    private readonly store: PointerStore,
    readonly maxAgeMs: number,
    private readonly clock: Clock,
  ) {}

  /** The type's pointer, creating the initial one (generation 1 active) on first use. */
  async get(type: string): Promise<Pointer> {
    return (await this.entry(type)).pointer;
  }

  /** The type's pointer and when it was read (stamped before the read): it may be stale from `loadedAt + maxAgeMs` on. */
  async entry(type: string): Promise<{ pointer: Pointer; loadedAt: number }> {
    const entry = this.#entries.get(type);
    if (entry && this.clock() - entry.loadedAt < this.maxAgeMs) return entry;
    const pending = this.#loading.get(type) ?? this.#load(type);
    this.#loading.set(type, pending);
    try {
      return await pending;
    } finally {
      this.#loading.delete(type);
    }
  }

  /** Forgets a type's pointer (after this process changed it). */
  invalidate(type: string): void {
    this.#entries.delete(type);
  }

  async #load(type: string): Promise<{ pointer: Pointer; loadedAt: number }> {
    const loadedAt = this.clock();
    const entry = { pointer: await ensurePointer(this.store, type, loadedAt), loadedAt };
    this.#entries.set(type, entry);
    return entry;
  }
}

/** Reads a type's pointer, creating the initial one if the type was never indexed. */
export async function ensurePointer(store: PointerStore, type: string, now: number): Promise<Pointer> {
  const existing = await store.readPointer(type);
  if (existing) return existing;
  const initial = initialPointer(type, now);
  try {
    await store.swapPointer(undefined, initial);
    return initial;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const raced = await store.readPointer(type);
    if (!raced) throw error;
    return raced;
  }
}
