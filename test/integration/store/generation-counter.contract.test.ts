/**
 * The contract of the generation counter (the rebuild gate's independent count), on DynamoDB,
 * Redis and in memory (support/backends.ts).
 */
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../lambdas/core/hash.ts';
import type { RecordWrite, StoredRecord } from '../../../lambdas/core/records.ts';
import { eachBackend, useBackend } from './support/backends.ts';

const upsert = (id: string, version = 1): RecordWrite => ({ kind: 'upsert', id, version, hash: contentHash({ id }), record: { id } });

describe.each(eachBackend)('generation counter contract: %s', (_name, start) => {
  const env = useBackend(start);

  it('counts the live records of one generation, tombstones excluded', async () => {
    const { store, counter } = env.ports;
    await store.write('video', 2, Array.from({ length: 150 }, (_, i) => upsert(`v${i}`)));
    await store.write('video', 2, Array.from({ length: 20 }, (_, i) => ({ kind: 'delete', id: `v${i}`, version: 2 }) as RecordWrite));
    await store.write('video', 2, [{ kind: 'delete', id: 'never-there', version: 1 }]);

    expect(await counter.countLive('video', 2)).toBe(130);
  });

  it('counts a bulk-loaded generation and leaves other generations and types out', async () => {
    const { store, counter } = env.ports;
    const now = Date.now();
    const loaded: StoredRecord[] = Array.from({ length: 40 }, (_, i) => ({ type: 'video', id: `b${i}`, generation: 3, version: 1, hash: 'h', deleted: false, writtenAt: now, record: { i } }));
    await store.bulkPut('video', 3, loaded);
    await store.write('video', 4, [upsert('other-generation')]);
    await store.write('article', 3, [upsert('other-type')]);

    expect(await counter.countLive('video', 3)).toBe(40);
  });

  it('counts nothing in a generation never written', async () => {
    expect(await env.ports.counter.countLive('video', 9)).toBe(0);
  });

  it('stops counting records once they are deleted', async () => {
    const { store, counter } = env.ports;
    await store.write('video', 2, [upsert('a'), upsert('b'), upsert('c')]);

    await store.deleteRecords('video', 2, ['a', 'b']);

    expect(await counter.countLive('video', 2)).toBe(1);
  });
});
