/**
 * The cost of a million changes, from counted calls, request units and measured Lambda duration.
 */
import type { Prices } from '../prices.ts';
import type { Tallies } from './api-calls.ts';

/** What a run consumed, for `changes` changes. */
export interface Consumption {
  changes: number;
  calls: Tallies;
  invocations: number;
  /** Billed Lambda duration over the run (ms, each invocation rounded up to 1 ms). */
  billedMs: number;
  memoryMb: number;
}

/** Dollars per million changes, by line. */
export interface CostPerMillion {
  snsPublish: number;
  sqsRequests: number;
  lambdaRequests: number;
  lambdaDuration: number;
  dynamodbWrites: number;
  dynamodbReads: number;
  total: number;
}

export const COST_LINES: ReadonlyArray<readonly [keyof Omit<CostPerMillion, 'total'>, string]> = [
  ['snsPublish', 'SNS publish'],
  ['sqsRequests', 'SQS requests'],
  ['lambdaRequests', 'Lambda requests'],
  ['lambdaDuration', 'Lambda duration (arm64)'],
  ['dynamodbWrites', 'DynamoDB writes (WRU)'],
  ['dynamodbReads', 'DynamoDB reads (RRU)'],
];

/** Prices `consumption` per million changes. */
export function costPerMillion(consumption: Consumption, prices: Prices): CostPerMillion {
  const perChange = 1 / consumption.changes;
  let snsBilled = 0;
  let sqsBilled = 0;
  let wru = 0;
  let rru = 0;
  for (const [key, tally] of consumption.calls) {
    if (key.startsWith('SNS ')) snsBilled += tally.billedRequests;
    if (key.startsWith('SQS ')) sqsBilled += tally.billedRequests;
    wru += tally.wru;
    rru += tally.rru;
  }
  const gbSeconds = (consumption.billedMs / 1000) * (consumption.memoryMb / 1024);
  // "per million requests" × (requests per change × 1e6 changes) = price × requests per change.
  const cost = {
    snsPublish: snsBilled * perChange * prices.snsPublishPerMillion,
    sqsRequests: sqsBilled * perChange * prices.sqsRequestPerMillion,
    lambdaRequests: consumption.invocations * perChange * prices.lambdaRequestPerMillion,
    lambdaDuration: gbSeconds * perChange * 1_000_000 * prices.lambdaArmGbSecond,
    dynamodbWrites: wru * perChange * prices.dynamodbWruPerMillion,
    dynamodbReads: rru * perChange * prices.dynamodbRruPerMillion,
  };
  return { ...cost, total: Object.values(cost).reduce((sum, value) => sum + value, 0) };
}

/**
 * The floor no design beats without collapsing edits: one SNS publish and one write unit per
 * change ($0.50 + $0.625 = $1.125 per million at the list prices).
 */
export function floorPerMillion(prices: Prices): number {
  return prices.snsPublishPerMillion + prices.dynamodbWruPerMillion;
}
