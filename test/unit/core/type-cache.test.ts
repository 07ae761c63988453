import { describe, expect, it } from 'vitest';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import type { Pointer } from '../../../lambdas/core/pointer.ts';
import { TypeCache } from '../../../lambdas/core/type-cache.ts';

const pointer = (active: number): Pointer => ({ type: 'video', active, nextGeneration: active + 1, revision: active, updatedAt: 0 });

/** A pointer store that counts its reads, answers a moment later, and can fail its next read. */
function pointerStore(initial: Pointer | undefined) {
  const store = { current: initial, reads: 0, swaps: 0, failNext: false };
  return Object.assign(store, {
    readPointer: async () => {
      store.reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (store.failNext) {
        store.failNext = false;
        throw new Error('store down');
      }
      return store.current;
    },
    swapPointer: async (_expected: Pointer | undefined, next: Pointer) => {
      store.swaps += 1;
      store.current = next;
    },
  });
}

const readOnly = (store: ReturnType<typeof pointerStore>, maxAgeMs: number, clock: () => number) => new TypeCache(maxAgeMs, clock, () => store.readPointer());

describe('TypeCache', () => {
  it('shares one load between concurrent misses of a type', async () => {
    const store = pointerStore(pointer(1));
    const cache = readOnly(store, 1_000, () => 0);

    await Promise.all([cache.get('video'), cache.get('video'), cache.get('video')]);

    expect(store.reads).toBe(1);
  });

  it('loads the value again once its lifetime has passed, and not before', async () => {
    const store = pointerStore(pointer(1));
    let now = 0;
    const cache = readOnly(store, 1_000, () => now);
    await cache.get('video');
    store.current = pointer(2);

    const within = await cache.get('video');
    now = 1_000;
    const after = await cache.get('video');

    expect([within?.active, after?.active]).toEqual([1, 2]);
  });

  it('does not cache a failed load', async () => {
    const store = pointerStore(pointer(1));
    store.failNext = true;
    const cache = readOnly(store, 1_000, () => 0);

    await expect(cache.get('video')).rejects.toThrow('store down');
    const retried = await cache.get('video');

    expect(retried?.active).toBe(1);
  });

  it('caches an absent value like any other', async () => {
    const store = pointerStore(undefined);
    const cache = readOnly(store, 1_000, () => 0);

    await cache.get('video');
    const second = await cache.get('video');

    expect([second, store.reads]).toEqual([undefined, 1]);
  });

  it('forgets one type, or every type, on invalidate', async () => {
    const store = pointerStore(pointer(1));
    const cache = readOnly(store, 60_000, () => 0);
    await Promise.all([cache.get('video'), cache.get('movie')]);
    store.current = pointer(2);

    cache.invalidate('video');
    const video = await cache.get('video');
    const movieBefore = await cache.get('movie');
    cache.invalidate();
    const movieAfter = await cache.get('movie');

    expect([video?.active, movieBefore?.active, movieAfter?.active]).toEqual([2, 1, 2]);
  });

  it('hands out a fresh entry without loading, and nothing once it is stale', async () => {
    const store = pointerStore(pointer(1));
    let now = 0;
    const cache = readOnly(store, 1_000, () => now);
    const before = cache.fresh('video');
    await cache.get('video');

    const loaded = cache.fresh('video');
    now = 1_000;
    const stale = cache.fresh('video');

    expect([before, loaded?.value?.active, stale, store.reads]).toEqual([undefined, 1, undefined, 1]);
  });

  it('stamps an entry with the clock reading taken before its load', async () => {
    let now = 5;
    const cache = new TypeCache(1_000, () => now, async (_type, loadedAt) => {
      now = 9;
      return loadedAt;
    });

    const entry = await cache.entry('video');

    expect(entry).toEqual({ value: 5, loadedAt: 5 });
  });
});

describe('PointerCache', () => {
  it('creates the initial pointer of a type never indexed, once', async () => {
    const store = pointerStore(undefined);
    const cache = new PointerCache(store, 1_000, () => 42);

    const first = await cache.get('video');
    cache.invalidate('video');
    const second = await cache.get('video');

    expect([first.active, first.updatedAt, second.revision, store.swaps]).toEqual([1, 42, 1, 1]);
  });
});
