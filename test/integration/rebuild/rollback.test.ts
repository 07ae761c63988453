import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NothingToRollBackError, rebuildType, rollback } from '../../../lambdas/core/rebuild/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { doc, upsertChange, videoType } from '../../unit/rebuild/support/world.ts';
import { createDynamoWorld } from './support/dynamo-world.ts';

describe('rollback on DynamoDB', () => {
  let aws: AwsTestEnv;
  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => aws.stop());

  it('answers nothing to roll back right after the first build, leaving every record readable', async () => {
    // Prepare
    const world = await createDynamoWorld(aws, videoType(), 50);
    for (const id of ['a', 'b']) world.source.docs.set(id, doc(id, 1));
    const { report } = await rebuildType(world.deps, world.type, world.options);

    // Act
    const attempt = rollback(world.store, 'video', Date.now);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NothingToRollBackError);
    expect(await world.store.readPointer('video')).toMatchObject({ active: report.generation, previous: 1 });
    expect((await world.store.getRecords('video', report.generation as number, ['a', 'b'])).size).toBe(2);
  });

  it("returns the previous generation's records, and a second rollback returns again", async () => {
    // Prepare
    const world = await createDynamoWorld(aws, videoType(), 50);
    const old = ['a', 'b', 'c'].map((id) => doc(id, 1, `old ${id}`));
    for (const document of old) world.source.docs.set(String(document['id']), document);
    await world.applier()(old.map(upsertChange));
    const first = await rebuildType(world.deps, world.type, world.options);
    for (const id of ['a', 'b', 'c']) world.source.docs.set(id, doc(id, 2, `new ${id}`));
    const { report } = await rebuildType(world.deps, world.type, world.options);
    const titles = async () => {
      const pointer = await world.store.readPointer('video');
      const records = await world.store.getRecords('video', pointer?.active ?? 0, ['a', 'b', 'c']);
      return ['a', 'b', 'c'].map((id) => (records.get(id)?.record as { title: string }).title);
    };

    // Act
    await rollback(world.store, 'video', Date.now);
    const afterFirst = await titles();
    await rollback(world.store, 'video', Date.now);
    const afterSecond = await titles();

    // Assess
    expect(afterFirst).toEqual(['old a', 'old b', 'old c']);
    expect(afterSecond).toEqual(['new a', 'new b', 'new c']);
    expect(await world.store.readPointer('video')).toMatchObject({ active: report.generation, previous: first.report.generation });
  });
});
