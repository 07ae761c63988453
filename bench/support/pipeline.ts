/**
 * The verify pipeline's cost per change, and the whole pipeline (apply + verify) against the
 * floor, as the apply benchmark prints them.
 */
import type { Prices } from '../prices.ts';
import type { Tallies } from './api-calls.ts';
import { COST_LINES, floorPerMillion, type CostPerMillion } from './cost.ts';
import { count, dollars, formatTable, ratio } from './table.ts';
import type { VerifyPass } from './verify-pass.ts';

/** What checking every change costs. */
export interface VerifyCost {
  pass: VerifyPass;
  /** Verify queue and handler calls together, per 1,000 changes. */
  callsPer1000: Tallies;
  cost: CostPerMillion;
  /** The SQS line the verify queue's former subscription to the change topic cost, measured in the same run (SNS's enqueue of every change, receives, deletes). */
  formerSqs: number;
}

/** The apply path the pipeline is priced with: its cost with the defaults' publishing, and awaited in turn (one SNS request per change). */
interface ApplyCost {
  run: { label: string };
  cost: CostPerMillion;
  costInTurn: CostPerMillion;
}

/** Prints the verify pipeline per change, then apply + verify against the floor, with the defaults' publishing and awaited in turn. */
export function printPipeline(print: (line: string) => void, verify: VerifyCost, apply: ApplyCost, prices: Prices): void {
  const { pass } = verify;
  const floor = floorPerMillion(prices);
  print('');
  print(
    `Verify pipeline: the apply function schedules one check per distinct resource of its batch (${count(pass.checks)} checks for ${count(pass.changes)} changes, SendMessageBatch ${pass.sendMsPerApplyInvocation.toFixed(1)} ms per apply invocation, concurrent with its writes); the verify function checks them once due, batches of ${Math.round(pass.checks / pass.invocations)}, against the index the "${apply.run.label}" run left (per 1,000 changes)`,
  );
  const keys = [...verify.callsPer1000.keys()].sort();
  print(
    formatTable(
      ['', 'calls', 'RRU', 'WRU'],
      [
        ...keys.map((key) => {
          const tally = verify.callsPer1000.get(key);
          return [key, count(tally?.calls ?? 0), count(tally?.rru ?? 0), count(tally?.wru ?? 0)];
        }),
        ['source HTTP requests', count((pass.sourceRequests * 1000) / pass.changes), '', ''],
        ['verify invocations', count((pass.invocations * 1000) / pass.changes), '', ''],
      ],
    ),
  );
  print('');
  print('Cost per million changes: apply (defaults) + verify, against the floor');
  const both = (key: keyof CostPerMillion, inTurn: boolean) => (inTurn ? apply.costInTurn : apply.cost)[key] + verify.cost[key];
  print(
    formatTable(
      ['', 'verify path', 'pipeline, defaults', 'pipeline, publishes awaited in turn'],
      [
        ...COST_LINES.map(([key, label]) => [label, dollars(verify.cost[key]), dollars(both(key, false)), dollars(both(key, true))]),
        ['total', dollars(verify.cost.total), dollars(both('total', false)), dollars(both('total', true))],
        [`vs floor (${dollars(floor)})`, ratio(verify.cost.total, floor), ratio(both('total', false), floor), ratio(both('total', true), floor)],
      ],
    ),
  );
  const former = (inTurn: boolean) => both('total', inTurn) - verify.cost.sqsRequests + verify.formerSqs;
  print(
    `  with the verify queue subscribed to the change topic instead (SQS ${dollars(verify.formerSqs)} instead of ${dollars(verify.cost.sqsRequests)}, the rest as measured): pipeline ${ratio(former(false), floor)} at the defaults, ${ratio(former(true), floor)} with publishes awaited in turn`,
  );
}
