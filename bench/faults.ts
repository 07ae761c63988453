/**
 * The faults benchmark (issue #8): the fault suite's burst (test/support/fault-burst.ts) at a bigger
 * size, through SNS → SQS → the event source → the apply handler → DynamoDB, with 20% of DynamoDB
 * calls failing (throttling, 5xx, lost responses, unprocessed items), below and above the SDK's
 * retry layer. Baseline in the same run, interleaved: the same burst with no fault at all. Printed:
 * lost, resurrected, unlogged (missing from the catch-up log), dead letters (each checked to have
 * failed every delivery), and what the faults cost in deliveries and time against the baseline.
 *
 * Settings (environment): FRESHINDEX_FAULT_CHANGES per burst (default here 20,000),
 * FRESHINDEX_FAULT_RUNS rounds of the three bursts (default 1).
 */
import { startAws } from '../test/support/aws.ts';
import { runFaultBurst, type FaultBurstFigures, type FaultBurstOptions } from '../test/support/fault-burst.ts';
import { count, formatTable, median, positiveFromEnv, ratio } from './support/table.ts';

interface Scenario {
  label: string;
  options: Omit<FaultBurstOptions, 'changes'>;
  /** The fault-free scenario of the same workload this one is compared with. */
  baseline: string;
}

const SCENARIOS: readonly Scenario[] = [
  { label: 'no faults', options: { layer: 'below-retry', rate: 0, duringRebuild: false }, baseline: 'no faults' },
  { label: '20% below the SDK retry layer', options: { layer: 'below-retry', rate: 0.2, duringRebuild: false }, baseline: 'no faults' },
  { label: 'no faults, during a rebuild', options: { layer: 'above-retry', rate: 0, duringRebuild: true }, baseline: 'no faults, during a rebuild' },
  { label: '20% above it, during a rebuild', options: { layer: 'above-retry', rate: 0.2, duringRebuild: true }, baseline: 'no faults, during a rebuild' },
];

/** Runs the bursts and prints their figures. */
export async function benchFaults(): Promise<Map<string, FaultBurstFigures[]>> {
  const changes = positiveFromEnv('FRESHINDEX_FAULT_CHANGES', 20_000, { integer: true });
  const runs = positiveFromEnv('FRESHINDEX_FAULT_RUNS', 1, { integer: true });
  console.log(`faults: ${count(changes)} changes per burst, ${runs} round(s) of ${SCENARIOS.length} bursts, maxReceiveCount 5, 8 pollers of batch 10`);
  const aws = await startAws({});
  const results = new Map<string, FaultBurstFigures[]>(SCENARIOS.map((scenario) => [scenario.label, []]));
  try {
    for (let run = 0; run < runs; run += 1) {
      // Rotate who goes first, so a busy neighbour slows them all alike.
      const order = SCENARIOS.map((_, i) => SCENARIOS[(i + run) % SCENARIOS.length] as Scenario);
      for (const scenario of order) {
        const figures = await runFaultBurst(aws, { ...scenario.options, changes, seed: 8 + run, timeoutMs: 30 * 60_000 });
        results.get(scenario.label)?.push(figures);
        console.log(
          `  run ${run + 1} ${scenario.label}: ${(figures.durationMs / 1000).toFixed(1)} s, ${count(figures.deliveries)} deliveries, ` +
            `${count(figures.calls)} DynamoDB calls, ${count(Object.values(figures.injected).reduce((a, b) => a + b, 0))} faults injected, ${count(figures.deadLetters.length)} dead letters`,
        );
      }
    }
    const rows = SCENARIOS.map(({ label, baseline: baselineLabel }) => {
      const baseline = results.get(baselineLabel) as FaultBurstFigures[];
      const all = results.get(label) as FaultBurstFigures[];
      const sum = (pick: (figures: FaultBurstFigures) => number) => all.reduce((total, figures) => total + pick(figures), 0);
      const durations = all.map((figures, i) => figures.durationMs / (baseline[i] as FaultBurstFigures).durationMs);
      const deliveries = all.map((figures, i) => figures.deliveries / (baseline[i] as FaultBurstFigures).deliveries);
      const spread = (values: number[]) => (values.length > 1 ? ` (${ratio(Math.min(...values), 1)}–${ratio(Math.max(...values), 1)})` : '');
      return [
        label,
        count(sum((f) => f.changes)),
        count(sum((f) => f.lost.length)),
        count(sum((f) => f.resurrected.length)),
        count(sum((f) => f.unlogged.length)),
        `${count(sum((f) => f.deadLetters.length))} (${((100 * sum((f) => f.deadLetters.length)) / sum((f) => f.changes)).toFixed(2)}%)`,
        count(sum((f) => f.earlyDeadLetters.length)),
        `${ratio(median(deliveries), 1)}${spread(deliveries)}`,
        `${ratio(median(durations), 1)}${spread(durations)}`,
      ];
    });
    console.log(
      formatTable(['burst', 'changes', 'lost', 'resurrected', 'unlogged', 'dead letters', 'early DLQ', 'deliveries vs no faults', 'time vs no faults'], rows),
    );
    console.log('  each burst is compared with the fault-free burst of the same workload in the same round');
    console.log('  early DLQ: dead letters whose change did not fail every delivery (must be 0); unlogged: changed during the build but missing from its catch-up log');
    return results;
  } finally {
    await aws.stop();
  }
}
