import { describe, expect, it } from 'vitest';
import type { Pointer } from '../../../lambdas/core/pointer.ts';
import type { QuarantineEntry } from '../../../lambdas/core/ports.ts';
import { QuarantineCache, ReaderPointerCache } from '../../../lambdas/reader/caches.ts';

const pointer = (active: number): Pointer => ({ type: 'video', active, nextGeneration: active + 1, revision: active, updatedAt: 0 });

function pointerStore(initial: Pointer | undefined) {
  const store = { current: initial, reads: 0, failNext: false };
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
  });
}

describe('ReaderPointerCache', () => {
  it('shares one read between concurrent misses of a type', async () => {
    const store = pointerStore(pointer(1));
    const cache = new ReaderPointerCache(store, 1_000, () => 0);

    await Promise.all([cache.get('video'), cache.get('video'), cache.get('video')]);

    expect(store.reads).toBe(1);
  });

  it('reads the pointer again once its lifetime has passed', async () => {
    const store = pointerStore(pointer(1));
    let now = 0;
    const cache = new ReaderPointerCache(store, 1_000, () => now);
    await cache.get('video');
    store.current = pointer(2);

    const within = await cache.get('video');
    now = 1_000;
    const after = await cache.get('video');

    expect([within.pointer?.active, after.pointer?.active]).toEqual([1, 2]);
  });

  it('does not cache a failed read', async () => {
    const store = pointerStore(pointer(1));
    store.failNext = true;
    const cache = new ReaderPointerCache(store, 1_000, () => 0);

    await expect(cache.get('video')).rejects.toThrow('store down');
    const retried = await cache.get('video');

    expect(retried.pointer?.active).toBe(1);
  });

  it('caches the absence of a pointer without creating one', async () => {
    const store = pointerStore(undefined);
    const cache = new ReaderPointerCache(store, 1_000, () => 0);

    await cache.get('video');
    const second = await cache.get('video');

    expect([second.pointer, store.reads]).toEqual([undefined, 1]);
  });

  it('forgets a type on invalidate', async () => {
    const store = pointerStore(pointer(1));
    const cache = new ReaderPointerCache(store, 60_000, () => 0);
    await cache.get('video');
    store.current = pointer(2);

    cache.invalidate('video');

    expect((await cache.get('video')).pointer?.active).toBe(2);
  });
});

describe('QuarantineCache', () => {
  it('holds the quarantined ids of a type', async () => {
    const entry = (id: string): QuarantineEntry => ({ type: 'video', id, since: 0, differences: 3, lastDifference: '', cleanChecks: 0 });
    const cache = new QuarantineCache({ list: async () => [entry('a'), entry('b')] }, 1_000, () => 0);

    expect([...(await cache.get('video'))].sort()).toEqual(['a', 'b']);
  });
});
