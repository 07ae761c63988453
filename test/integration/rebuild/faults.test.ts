/**
 * The rebuild under DynamoDB faults (issue 8, points 5 and 6): 20% of the calls of the rebuild
 * and of the appliers fail (throttling, 5xx, 503, lost responses, unprocessed items), injected
 * below the SDK's retry layer (the SDK's retries and its retry quota see them first) and above it
 * (the code sees every one). Every run must flip, report what happened, and leave the live
 * generation equal to transform(source), with no generation left behind.
 *
 * CI size: FRESHINDEX_FAULT_REBUILD_ITEMS (default 2,000) × FRESHINDEX_FAULT_REBUILD_RUNS (default 2)
 * per layer. The issue's figure, 20,000 items × 5 runs, is
 *   FRESHINDEX_FAULT_REBUILD_ITEMS=20000 FRESHINDEX_FAULT_REBUILD_RUNS=5 npx vitest run test/integration/rebuild/faults.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import type { FaultLayer } from '../../support/faults.ts';
import { runFaultyRebuilds } from './support/faulty-rebuild.ts';

const ITEMS = Number(process.env['FRESHINDEX_FAULT_REBUILD_ITEMS'] ?? 2_000);
const RUNS = Number(process.env['FRESHINDEX_FAULT_REBUILD_RUNS'] ?? 2);
const LAYERS: FaultLayer[] = ['below-retry', 'above-retry'];

describe('rebuilds with 20% of DynamoDB calls failing', () => {
  let aws: AwsTestEnv;
  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => aws.stop());

  it.each(LAYERS)(`flip in every one of ${RUNS} runs of ${ITEMS} items with changes flowing, faults %s`, async (layer) => {
    // Act
    const result = await runFaultyRebuilds(aws, { items: ITEMS, runs: RUNS, layer, rate: 0.2, seed: layer === 'below-retry' ? 101 : 202 });

    // Assess
    const injected = Object.values(result.injected.injected).reduce((sum, count) => sum + count, 0);
    console.info(`[faults ${layer}] ${ITEMS} items × ${RUNS}: ${result.runs.map((run) => `${run.report.outcome} in ${(run.durationMs / 1000).toFixed(1)} s, ${run.report.retries} retries, ${run.changes} changes`).join('; ')}; ${injected} faults injected of ${result.injected.calls} calls ${JSON.stringify(result.injected.injected)}`);
    expect(result.runs.map((run) => run.violations)).toEqual(result.runs.map(() => []));
    expect(result.runs.map((run) => run.report.outcome)).toEqual(result.runs.map(() => 'succeeded'));
    expect(result.violations).toEqual([]);
    expect(injected).toBeGreaterThan(0);
  }, 60_000 + ITEMS * RUNS * 30);
});
