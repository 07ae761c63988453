import { describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../../lambdas/core/ports.ts';
import { useRedis } from '../../support/redis.ts';

const entry = (id: string, type = 'video'): QuarantineEntry => ({
  type,
  id,
  since: 1_700_000_000_123,
  differences: 3,
  lastDifference: 'title: "A" ≠ "B"',
  cleanChecks: 0,
});

describe('Redis quarantine store', () => {
  const redis = useRedis();

  it('adds a resource only once, so the alert goes out once', async () => {
    expect(await redis.stores.quarantine.add(entry('a'))).toBe(true);
    expect(await redis.stores.quarantine.add({ ...entry('a'), differences: 9 })).toBe(false);
    expect(await redis.stores.quarantine.get('video', 'a')).toEqual(entry('a'));
  });

  it('lists the quarantined resources of one type only', async () => {
    await redis.stores.quarantine.add(entry('a'));
    await redis.stores.quarantine.add(entry('b'));
    await redis.stores.quarantine.add(entry('a', 'article'));
    expect((await redis.stores.quarantine.list('video')).map((e) => e.id).sort()).toEqual(['a', 'b']);
  });

  it('counts clean checks of a quarantined resource, keeping the rest of its entry', async () => {
    await redis.stores.quarantine.add(entry('a'));
    expect(await redis.stores.quarantine.recordCleanCheck('video', 'a')).toBe(1);
    expect(await redis.stores.quarantine.recordCleanCheck('video', 'a')).toBe(2);
    expect(await redis.stores.quarantine.get('video', 'a')).toEqual({ ...entry('a'), cleanChecks: 2 });
  });

  it('counts no clean check for a resource that is not quarantined', async () => {
    expect(await redis.stores.quarantine.recordCleanCheck('video', 'nope')).toBeUndefined();
    expect(await redis.stores.quarantine.get('video', 'nope')).toBeUndefined();
  });

  it('releases a resource once', async () => {
    await redis.stores.quarantine.add(entry('a'));
    expect(await redis.stores.quarantine.release('video', 'a')).toBe(true);
    expect(await redis.stores.quarantine.release('video', 'a')).toBe(false);
    expect(await redis.stores.quarantine.list('video')).toEqual([]);
  });
});
