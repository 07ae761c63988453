/**
 * Every store's version guard (DynamoDB's condition expressions, Redis's Lua script, the memory
 * index) must decide exactly as `guard` in core/records.ts, which they restate: random histories
 * of upserts and deletes, replayed against each. `FRESHINDEX_GUARD_RUNS` sets the number of
 * histories per store (default 150; 20 on DynamoDB, whose emulators are slower).
 *
 * One batch names each id once, as the apply path sends it (changes of one resource collapse
 * first): DynamoDB sends a batch's writes concurrently, so two writes of one id in one batch land
 * in no given order there (the first run of this test on DynamoDB found exactly that).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guard, type RecordMeta, type RecordWrite } from '../../../lambdas/core/records.ts';
import { eachBackend, useBackend } from './support/backends.ts';

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

const RUNS = Number(process.env['FRESHINDEX_GUARD_RUNS'] ?? 0);

describe.each(eachBackend)('version guard equivalence: %s', (name, start) => {
  const env = useBackend(start);
  let generation = 0;

  it('decides every write of a random history exactly as the core guard does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uniqueArray(writeArbitrary, { minLength: 1, maxLength: 3, selector: (write) => write.id }), { minLength: 1, maxLength: 12 }), async (batches) => {
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
          expect(await env.ports.store.write('video', generation, batch)).toEqual(expected);
        }
        const stored = await env.ports.store.getRecords('video', generation, [...model.keys()]);
        for (const [id, meta] of model) expect(stored.get(id)).toMatchObject(meta);
      }),
      { numRuns: RUNS || (name === 'dynamodb' ? 20 : 150) },
    );
  });
});
