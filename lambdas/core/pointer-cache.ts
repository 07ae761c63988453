import { ConflictError } from './errors.ts';
import { initialPointer, type Pointer } from './pointer.ts';
import type { Clock, PointerStore } from './ports.ts';
import { TypeCache } from './type-cache.ts';

/**
 * The writers' pointer cache (appliers, the checker, the ops API): pointers kept for a bounded
 * lifetime, so a steady stream of changes costs one pointer read per type per lifetime. A flip
 * becomes visible within `maxAgeMs`; the rebuild waits that long after opening a generation
 * before it scans. A type never indexed gets its initial pointer on first use (readers use a
 * read-only `TypeCache` instead: see core/reader).
 */
export class PointerCache extends TypeCache<Pointer> {
  constructor(store: PointerStore, maxAgeMs: number, clock: Clock) {
    super(maxAgeMs, clock, (type, now) => ensurePointer(store, type, now));
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
