/**
 * Issue 8, point 1: a burst with 20% of DynamoDB calls failing (throttling, 5xx, unprocessed
 * items, lost responses) ends with nothing lost, nothing resurrected, at most 0.5% dead-lettered,
 * and each dead letter a change that failed every delivery. It runs while a rebuild builds, so
 * the catch-up log's batch writes (and their unprocessed items) are on the path too. The faults are injected both below
 * the SDK's retry layer (its strategy sees them first) and above it (the code sees every one).
 *
 * Size: FRESHINDEX_FAULT_CHANGES changes per burst (default 5,000: about 30 s below the retry
 * layer, 60 s above it during a rebuild, on the embedded emulators). Run on the embedded emulators
 * only (vitest.config.ts): the faults are the SDK client's, whatever answers behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { faultChangesFromEnv, runFaultBurst } from '../../support/fault-burst.ts';
import type { FaultLayer } from '../../support/faults.ts';

const changes = faultChangesFromEnv();

describe('a burst of changes under DynamoDB faults', () => {
  let aws: AwsTestEnv;

  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => aws.stop());

  // Above the retry layer the code meets every fault itself, so that burst also runs during a
  // rebuild: the catch-up log's batch writes (and their unprocessed items) and a second generation.
  it.each<{ layer: FaultLayer; duringRebuild: boolean }>([
    { layer: 'below-retry', duringRebuild: false },
    { layer: 'above-retry', duringRebuild: true },
  ])(
    `ends with 0 lost, 0 resurrected, every change logged and at most 0.5 percent dead-lettered, a fifth of the calls failing $layer, during a rebuild: $duringRebuild (${changes} changes)`,
    async ({ layer, duringRebuild }) => {
      const figures = await runFaultBurst(aws, { changes, layer, duringRebuild });

      expect(figures.injected.throttle + figures.injected.server + figures.injected.unavailable + figures.injected['lost-response']).toBeGreaterThan(figures.calls * 0.1);
      expect(figures.lost).toEqual([]);
      expect(figures.resurrected).toEqual([]);
      expect(figures.unlogged).toEqual([]);
      expect(figures.earlyDeadLetters).toEqual([]);
      expect(figures.deadLetters.length).toBeLessThanOrEqual(changes * 0.005);
    },
    600_000,
  );
});
