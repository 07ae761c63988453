/**
 * The contract of the rebuild's control records (retirement notes, the swept mark, build
 * records), run against DynamoDB and the in-memory fake the unit tests use, so a unit test
 * cannot pass on behaviour the real store lacks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBuildControl } from '../../../lambdas/adapters/dynamodb/builds.ts';
import type { BuildRecord, BuildRecordStore, RetirementStore } from '../../../lambdas/core/rebuild/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { MemoryControl } from '../../unit/rebuild/support/memory.ts';
import { freshTables } from './support/dynamo-world.ts';

type Control = RetirementStore & BuildRecordStore;

let aws: AwsTestEnv;
beforeAll(async () => {
  aws = await startAws();
});
afterAll(async () => aws.stop());

const backends: Array<[string, () => Promise<Control>]> = [
  ['DynamoDB', async () => new DynamoBuildControl(aws.doc, (await freshTables(aws)).controlTable)],
  ['memory', async () => new MemoryControl()],
];

const record = (buildId: string, status: BuildRecord['status']): BuildRecord => ({
  type: 'video', buildId, holder: 'h', status, phase: 'done', startedAt: 1, updatedAt: 1, progress: { done: 0, perSecond: 0 },
});

describe.each(backends)('the control records on %s', (_name, create) => {
  it('keeps a note for the records and one for the catch-up log of the same generation apart', async () => {
    // Prepare
    const control = await create();
    await control.add({ type: 'video', generation: 4, records: true, reason: 'opened by build b' });
    await control.add({ type: 'video', generation: 4, records: false, retiredAt: 10, reason: 'catch-up log of the flipped generation' });

    // Act
    await control.remove('video', 4, false);

    // Assess
    expect(await control.pending('video')).toEqual([{ type: 'video', generation: 4, records: true, reason: 'opened by build b' }]);
  });

  it('replaces a note of the same generation and kind, giving it the instant it retired', async () => {
    // Prepare
    const control = await create();
    await control.add({ type: 'video', generation: 7, records: true, reason: 'opened by build b' });

    // Act
    await control.add({ type: 'video', generation: 7, records: true, retiredAt: 1234, reason: 'replaced by generation 9' });

    // Assess
    expect(await control.pending('video')).toEqual([{ type: 'video', generation: 7, records: true, retiredAt: 1234, reason: 'replaced by generation 9' }]);
  });

  it('starts the swept mark at 1 and keeps what it is told', async () => {
    // Prepare
    const control = await create();
    const before = await control.sweptBelow('video');

    // Act
    await control.markSwept('video', 12);

    // Assess
    expect(before).toBe(1);
    expect(await control.sweptBelow('video')).toBe(12);
    expect(await control.sweptBelow('article')).toBe(1);
  });

  it('saves a build record without making it the latest when told so', async () => {
    // Prepare
    const control = await create();
    await control.save(record('b1', 'succeeded'));
    await control.save(record('b2', 'running'));

    // Act
    await control.save({ ...record('b1', 'succeeded'), phase: 'done', updatedAt: 99 }, { latest: false });

    // Assess
    expect(await control.latest('video')).toMatchObject({ buildId: 'b2', status: 'running' });
    expect(await control.get('video', 'b1')).toMatchObject({ updatedAt: 99 });
  });
});
