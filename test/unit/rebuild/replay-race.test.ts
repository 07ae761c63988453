import { describe, expect, it } from 'vitest';
import { replayBatch, type ReplayResult } from '../../../lambdas/core/rebuild/replay.ts';
import type { Source } from '../../../lambdas/core/ports.ts';
import { toUpsert } from '../../../lambdas/core/transform.ts';
import { createWorld, doc } from './support/world.ts';

const BUILDING = 2;
const ACTIVE = 1;

describe('the replay against a live write of the same resource', () => {
  it('keeps a resource re-created while its replay found it gone: the tombstone is dated before the source read', async () => {
    // Prepare: r1 was loaded at v5 into both generations, then deleted at the source. Its replay
    // reads the source (gone); before the replay writes, the live applier brings r1 back at v6.
    const world = createWorld();
    const name = world.type.name;
    const loaded = toUpsert(world.type, 'r1', doc('r1', 5));
    await world.index.write(name, ACTIVE, [loaded]);
    await world.index.write(name, BUILDING, [loaded]);
    const source: Source = {
      get: (id) => world.source.get(id),
      scan: (options) => world.source.scan(options),
      getMany: async (ids) => {
        const found = await world.source.getMany(ids);
        const recreated = doc('r1', 6);
        world.source.docs.set('r1', recreated);
        await world.index.write(name, ACTIVE, [toUpsert(world.type, 'r1', recreated)]);
        await world.index.write(name, BUILDING, [toUpsert(world.type, 'r1', recreated)]);
        return found;
      },
    };
    const result: ReplayResult = { replayed: 0, liveDelta: 0, transformErrors: 0, errorSamples: [] };

    // Act
    await replayBatch({ type: world.type, source, records: world.index, generation: BUILDING, activeGeneration: ACTIVE }, ['r1'], result);

    // Assess
    const record = (await world.index.getRecords(name, BUILDING, ['r1'])).get('r1');
    expect(record).toMatchObject({ version: 6, deleted: false });
  });
});
