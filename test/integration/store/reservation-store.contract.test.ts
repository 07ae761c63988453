/**
 * The contract of the build reservation store, run against the control table (DynamoDB) and the
 * in-memory store the unit tests use, so a unit test cannot pass on behaviour DynamoDB lacks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoBuildReservations } from '../../../lambdas/adapters/dynamodb/reservations.ts';
import { createTables } from '../../support/tables.ts';
import { ConflictError } from '../../../lambdas/core/errors.ts';
import type { BuildReservation, ReservationStore } from '../../../lambdas/core/rebuild/reservation.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { MemoryReservations } from '../../support/memory-reservations.ts';

interface Backend {
  start(): Promise<{ fresh(): Promise<ReservationStore>; stop(): Promise<void> }>;
}

let tableSeq = 0;
const backends: Record<string, Backend> = {
  dynamodb: {
    async start() {
      const aws: AwsTestEnv = await startAws();
      return {
        async fresh() {
          const names = { indexTable: `res-idx-${++tableSeq}`, controlTable: `res-ctl-${tableSeq}` };
          await createTables(aws.dynamodb, names);
          return new DynamoBuildReservations(aws.doc, names.controlTable);
        },
        stop: () => aws.stop(),
      };
    },
  },
  memory: {
    async start() {
      return { fresh: async () => new MemoryReservations(), stop: async () => {} };
    },
  },
};

const NOW = 1_700_000_000_000;
const reservation = (id: string, reservedAt = NOW, ttlMs = 60_000): BuildReservation => ({ type: 'video', id, reservedAt, expiresAt: reservedAt + ttlMs });

describe.each(Object.entries(backends))('reservation store contract: %s', (_name, backend) => {
  let env: Awaited<ReturnType<Backend['start']>>;
  let store: ReservationStore;
  beforeAll(async () => {
    env = await backend.start();
  });
  afterAll(async () => {
    await env.stop();
  });
  beforeEach(async () => {
    store = await env.fresh();
  });

  it('keeps a reservation with who asked for it', async () => {
    await store.reserve({ ...reservation('r1'), requestedBy: 'arn:aws:iam::1:user/op' }, NOW);

    expect(await store.read('video')).toEqual({ ...reservation('r1'), requestedBy: 'arn:aws:iam::1:user/op' });
  });

  it('refuses a second reservation while the first has not expired', async () => {
    await store.reserve(reservation('r1'), NOW);

    await expect(store.reserve(reservation('r2', NOW + 5_000), NOW + 5_000)).rejects.toBeInstanceOf(ConflictError);
    expect((await store.read('video'))?.id).toBe('r1');
  });

  it('takes over a reservation whose job never started once it expired', async () => {
    await store.reserve(reservation('r1'), NOW);

    await store.reserve(reservation('r2', NOW + 60_001), NOW + 60_001);

    expect((await store.read('video'))?.id).toBe('r2');
  });

  it('keeps the reservations of different types apart', async () => {
    await store.reserve(reservation('r1'), NOW);

    await store.reserve({ ...reservation('r2'), type: 'article' }, NOW);

    expect([(await store.read('video'))?.id, (await store.read('article'))?.id]).toEqual(['r1', 'r2']);
  });

  it('records the submitted job on its own reservation only', async () => {
    await store.reserve(reservation('r1'), NOW);

    await store.attach(reservation('r1'), 'job-1');
    await store.attach(reservation('other'), 'job-2');

    expect((await store.read('video'))?.jobId).toBe('job-1');
  });

  it('withdraws its own reservation, never another request\'s', async () => {
    await store.reserve(reservation('r1'), NOW);

    await store.cancel(reservation('other'));
    const kept = await store.read('video');
    await store.cancel(reservation('r1'));

    expect([kept?.id, await store.read('video')]).toEqual(['r1', undefined]);
  });

  it('is settled by its own job, or by any job before one is attached', async () => {
    await store.reserve(reservation('r1'), NOW);
    await store.attach(reservation('r1'), 'job-1');

    await store.settle('video', 'job-2');
    const keptForItsJob = await store.read('video');
    await store.settle('video', 'job-1');
    await store.reserve(reservation('r2'), NOW);
    await store.settle('video', undefined);

    expect([keptForItsJob?.id, await store.read('video')]).toEqual(['r1', undefined]);
  });

  it('settles nothing when the type has no reservation', async () => {
    await store.settle('video', 'job-1');

    expect(await store.read('video')).toBeUndefined();
  });
});
