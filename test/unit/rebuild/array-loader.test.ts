/**
 * The AWS Batch array-job loader against the Batch stand-in of test/support/batch.ts (SDK
 * middleware), its children simulated: what it reports when children fail for good, leave no
 * result, or the build stops while they run.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ArrayJobLoader } from '../../../lambdas/adapters/batch/array-loader.ts';
import type { ChildPlan, LoadResult } from '../../../lambdas/core/rebuild/index.ts';
import { standInBatch, type BatchStandInOptions } from '../../support/batch.ts';
import { MemoryChildResults } from '../../support/memory/index.ts';

const PLAN: ChildPlan = { type: 'video', buildId: 'b1', generation: 2, totalSegments: 4, children: 2, pageSize: 100, chunkSize: 25, writesInFlight: 2 };
const PARENT = { jobId: 'parent', jobQueue: 'queue-arn', jobDefinition: 'definition-arn:3' };
const loaded = (count: number): LoadResult => ({ scanned: count, loaded: count, transformErrors: 0, errorSamples: [], sample: [`v${count}`], durationMs: 5 });

function setUp(runAttempt: NonNullable<BatchStandInOptions['runAttempt']>) {
  const client = new BatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const standIn = standInBatch(client, { parent: PARENT, env: {}, runAttempt });
  const results = new MemoryChildResults();
  const loader = new ArrayJobLoader({ client, results, parentJobId: PARENT.jobId, polling: { minDelaySeconds: 0.01, maxDelaySeconds: 0.05 } });
  return { standIn, results, loader };
}

describe('the AWS Batch array-job loader', () => {
  it('hands back each child result once Batch ran a failed child again', async () => {
    // Prepare
    const world = setUp(async (index, attempt) => {
      if (index === 1 && attempt === 1) return false;
      await world.results.save('video', 'b1', index, loaded(10 + index));
      return true;
    });

    // Act
    const results = await world.loader.load(PLAN, new AbortController().signal);

    // Assess
    expect(results).toEqual([loaded(10), loaded(11)]);
    expect(world.standIn.spawned.sort()).toEqual(['0#1', '1#1', '1#2']);
  });

  it('fails the load, naming the array job and its children by status, when a child failed every attempt', async () => {
    const world = setUp(async (index) => {
      if (index === 0) await world.results.save('video', 'b1', 0, loaded(10));
      return index === 0;
    });

    await expect(world.loader.load(PLAN, new AbortController().signal)).rejects.toThrow(/array job array-1 loading "video" failed: .*"FAILED":1/);
    expect(world.standIn.spawned.filter((run) => run.startsWith('1#'))).toEqual(['1#1', '1#2', '1#3']);
  });

  it('fails the load when the array job succeeded but a child left no result, so the gate never judges a partial count', async () => {
    const world = setUp(async (index) => {
      if (index === 1) await world.results.save('video', 'b1', 1, loaded(11));
      return true;
    });

    await expect(world.loader.load(PLAN, new AbortController().signal)).rejects.toThrow(/children 0 left no result/);
  });

  it('terminates the array job when the build stops', async () => {
    // Prepare
    const stop = new AbortController();
    const world = setUp(async () => {
      await delay(5_000, undefined, { signal: stop.signal }).catch(() => undefined);
      return false;
    });

    // Act
    const loading = world.loader.load(PLAN, stop.signal);
    await delay(50);
    stop.abort(new Error('SIGTERM'));

    // Assess
    await expect(loading).rejects.toThrow('SIGTERM');
    expect(world.standIn.terminated).toEqual(['array-1']);
  });
});
