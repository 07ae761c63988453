/**
 * The contract of the quarantine store, on DynamoDB, Redis and in memory (support/backends.ts).
 */
import { describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../../lambdas/core/ports.ts';
import { eachBackend, useBackend } from './support/backends.ts';

const entry = (id: string, type = 'video'): QuarantineEntry => ({
  type,
  id,
  since: 1_700_000_000_123,
  differences: 3,
  lastDifference: 'title: "A" ≠ "B"',
  cleanChecks: 0,
});

describe.each(eachBackend)('quarantine store contract: %s', (_name, start) => {
  const env = useBackend(start);

  it('adds a resource only once, so the alert goes out once', async () => {
    const first = await env.ports.quarantine.add(entry('a'));
    const second = await env.ports.quarantine.add({ ...entry('a'), differences: 9 });

    expect([first, second]).toEqual([true, false]);
    expect(await env.ports.quarantine.get('video', 'a')).toEqual(entry('a'));
  });

  it('lists the quarantined resources of one type only', async () => {
    await env.ports.quarantine.add(entry('a'));
    await env.ports.quarantine.add(entry('b'));
    await env.ports.quarantine.add(entry('a', 'article'));

    expect((await env.ports.quarantine.list('video')).map((e) => e.id).sort()).toEqual(['a', 'b']);
  });

  it('counts clean checks of a quarantined resource, keeping the rest of its entry', async () => {
    await env.ports.quarantine.add(entry('a'));

    const counts = [await env.ports.quarantine.recordCleanCheck('video', 'a'), await env.ports.quarantine.recordCleanCheck('video', 'a')];

    expect(counts).toEqual([1, 2]);
    expect(await env.ports.quarantine.get('video', 'a')).toEqual({ ...entry('a'), cleanChecks: 2 });
    expect(await env.ports.quarantine.list('video')).toEqual([{ ...entry('a'), cleanChecks: 2 }]);
  });

  it('counts no clean check for a resource that is not quarantined, and does not quarantine it', async () => {
    expect(await env.ports.quarantine.recordCleanCheck('video', 'nope')).toBeUndefined();
    expect(await env.ports.quarantine.get('video', 'nope')).toBeUndefined();
  });

  it('releases a resource once', async () => {
    await env.ports.quarantine.add(entry('a'));

    const releases = [await env.ports.quarantine.release('video', 'a'), await env.ports.quarantine.release('video', 'a')];

    expect(releases).toEqual([true, false]);
    expect(await env.ports.quarantine.list('video')).toEqual([]);
  });

  it('hands out copies: changing what it returned changes nothing stored', async () => {
    await env.ports.quarantine.add(entry('a'));
    const got = (await env.ports.quarantine.get('video', 'a')) as QuarantineEntry;

    got.cleanChecks = 99;

    expect((await env.ports.quarantine.get('video', 'a'))?.cleanChecks).toBe(0);
  });
});
