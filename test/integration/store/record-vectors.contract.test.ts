/**
 * The vector on a record (the `embed` step's output, docs/vectors.md), kept by every index store
 * exactly as float32 through write, bulk load, point reads and scans.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../../lambdas/core/hash.ts';
import type { RecordStore } from '../../../lambdas/core/ports.ts';
import type { RecordWrite, StoredRecord } from '../../../lambdas/core/records.ts';
import { eachBackend, useBackend } from './support/backends.ts';

/** Values float32 holds only approximately as decimals, and some it holds exactly. */
const vectorOf = (seed: number, dimensions = 16): Float32Array => Float32Array.from({ length: dimensions }, (_, i) => Math.sin(seed * 7.3 + i) / (i + 1));

const upsert = (id: string, version: number, record: unknown, vector?: Float32Array): RecordWrite => ({
  kind: 'upsert', id, version, hash: contentHash({ record, vector: vector ? [...vector] : null }), record, ...(vector ? { vector } : {}),
});

describe.each(eachBackend)('record vectors contract: %s', (_name, start) => {
  const env = useBackend(start);
  let store: RecordStore;
  beforeEach(() => {
    store = env.ports.store;
  });

  it('returns the vector written with a record, bit for bit', async () => {
    const vector = vectorOf(1, 384);
    await store.write('video', 1, [upsert('a', 1, { title: 'A' }, vector)]);
    const got = (await store.getRecords('video', 1, ['a'])).get('a') as StoredRecord;
    expect(got.vector).toBeInstanceOf(Float32Array);
    expect([...(got.vector as Float32Array)]).toEqual([...vector]);
    expect(got.record).toEqual({ title: 'A' });
  });

  it('leaves the vector out of a record written without one', async () => {
    await store.write('video', 1, [upsert('plain', 1, { title: 'plain' })]);
    expect((await store.getRecords('video', 1, ['plain'])).get('plain')?.vector).toBeUndefined();
  });

  it('replaces the vector when a newer version brings another, and drops it with a tombstone', async () => {
    await store.write('video', 1, [upsert('a', 1, { t: 1 }, vectorOf(1))]);
    await store.write('video', 1, [upsert('a', 2, { t: 1 }, vectorOf(2))]);
    expect([...((await store.getRecords('video', 1, ['a'])).get('a')?.vector as Float32Array)]).toEqual([...vectorOf(2)]);
    await store.write('video', 1, [{ kind: 'delete', id: 'a', version: 3 }]);
    const tombstone = (await store.getRecords('video', 1, ['a'])).get('a');
    expect(tombstone).toMatchObject({ deleted: true, version: 3 });
    expect(tombstone?.vector).toBeUndefined();
  });

  it('keeps vectors through a bulk load and hands them back in a scan of the generation', async () => {
    const now = Date.now();
    const records: StoredRecord[] = Array.from({ length: 40 }, (_, i) => ({
      type: 'video', id: `v${i}`, generation: 3, version: 1, hash: contentHash({ i }), deleted: false, writtenAt: now, record: { i }, vector: vectorOf(i, 8),
    }));
    await store.bulkPut('video', 3, records);
    const scanned = new Map<string, number[]>();
    for await (const page of store.scanGeneration('video', 3, { segment: 0, totalSegments: 1, pageSize: 15 })) {
      for (const record of page) scanned.set(record.id, [...(record.vector ?? [])]);
    }
    expect(scanned).toEqual(new Map(records.map((record) => [record.id, [...(record.vector as Float32Array)]])));
  });
});
