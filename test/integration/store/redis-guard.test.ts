/**
 * The Lua version guard of the Redis store must decide exactly as `guard` in core/records.ts,
 * which it restates: random histories of upserts and deletes, replayed against both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guard, type RecordMeta, type RecordWrite } from '../../../lambdas/core/records.ts';
import { useRedis } from '../../support/redis.ts';

const writeArbitrary: fc.Arbitrary<RecordWrite> = fc.oneof(
  fc.record({
    kind: fc.constant('upsert' as const),
    id: fc.constantFrom('a', 'b', 'c'),
    version: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(1_700_000_000_000, 1_700_000_000_001, 2.5)),
    hash: fc.constantFrom('h1', 'h2'),
    record: fc.constant({ any: 'thing' }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    id: fc.constantFrom('a', 'b', 'c'),
    version: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(1_700_000_000_000, 2.5)),
  }),
);

describe('Redis version guard', () => {
  const redis = useRedis();
  let generation = 0;

  it('decides every write of a random history exactly as the core guard does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(writeArbitrary, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), async (batches) => {
        generation += 1;
        const model = new Map<string, Pick<RecordMeta, 'version' | 'hash' | 'deleted'>>();
        for (const batch of batches) {
          const expected = batch.map((write) => {
            const result = guard(model.get(write.id), write);
            if (result === 'written') {
              model.set(write.id, write.kind === 'upsert' ? { version: write.version, hash: write.hash, deleted: false } : { version: write.version, hash: 'tombstone', deleted: true });
            }
            return result;
          });
          expect(await redis.stores.store.write('video', generation, batch)).toEqual(expected);
        }
        const stored = await redis.stores.store.getRecords('video', generation, [...model.keys()]);
        for (const [id, meta] of model) expect(stored.get(id)).toMatchObject(meta);
      }),
      { numRuns: 150 },
    );
  });
});
