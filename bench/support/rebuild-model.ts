/**
 * A fluid model of one nightly rebuild on DynamoDB, stepped one second at a time: the job's phases
 * (settle, load, tombstone carry-over, replay, gate, flip, clean-up) and the live path's writes
 * meet the limits AWS enforces, and whatever a partition or the table cannot take that second is
 * throttled, the live path's share included. The phases' rates come from the job's own settings
 * (`resolveSettings`' defaults in lambdas/core/rebuild/settings.ts), the store's limits and
 * latencies from the DynamoDB developer guide, and the CPU one container spends per item from a
 * measurement (bench/rebuild-model.ts). See docs/rebuild.md, *The arithmetic*.
 */
import { BUCKETS } from '../../lambdas/core/buckets.ts';
import { REPLAY_BATCHES_IN_FLIGHT } from '../../lambdas/core/rebuild/phases.ts';
import { defaultSegments, SEGMENT_ITEMS_PER_SECOND, SEGMENTS_PER_CHILD, WRITES_PER_SEGMENT } from '../../lambdas/core/rebuild/settings.ts';

/** What one night looks like, and the limits it meets. */
export interface ModelInputs {
  items: number;
  changesPerSecond: number;
  /** Ids the changes fall on, uniformly: the catch-up log holds at most this many. */
  changedIds: number;
  /** Tombstones of the active generation, carried over. */
  tombstones: number;
  /** CPU microseconds one container spends per loaded item (transform, hash, marshalling, signing). */
  cpuMicrosPerItem: number;
  vcpusPerChild: number;
  /** Round trips, ms: a BatchWriteItem of 25, a single conditional PutItem, a source batch read of 100. */
  latencyMs: { batchWrite: number; write: number; sourceBatch: number };
  /** Write units per second a partition key takes; read units per second. */
  partitionWrites: number;
  partitionReads: number;
  /** The index table's table-level write quota (Service Quotas). */
  tableWrites: number;
  /** The control table's (the catch-up log lives there). */
  controlTableWrites: number;
  /** Warm write throughput the table serves at once (the job raises it to segments × 1,000; CDK can set more). */
  warmWrites: number;
  /** The table's previous peak of writes per second: on-demand serves twice it at once. */
  previousPeak: number;
  pointerCacheSeconds: number;
  targetMinutes: number;
  /** FRESHINDEX_REBUILD_CHILDREN; @default one per 16 segments, as the job */
  children?: number;
}

/** One phase as the model ran it. */
export interface PhaseFigures {
  phase: string;
  seconds: number;
  /** Writes per second of the busiest live-path partition (active, building or catch-up log). */
  livePartitionPeak: number;
  /** Writes per second of the busiest partition of any kind. */
  partitionPeak: number;
  /** Index-table writes per second asked for, at most. */
  tableDemandPeak: number;
  liveThrottled: number;
}

export interface ModelResult {
  segments: number;
  children: number;
  loadRate: { cpu: number; latency: number };
  tableCeiling: number;
  phases: PhaseFigures[];
  seconds: number;
  liveThrottled: number;
}

/** Demand of one second on each kind of partition (per partition key), and how much of it is the live path's. */
interface Second {
  active: number;
  building: number;
  retired: number;
  log: number;
  /** Of `building` and `log`, the live path's. */
  liveBuilding: number;
  liveLog: number;
}

/** One phase to step: `demand` is its own writes per second (spread over a generation's partitions), until `work` is done or for `fixedSeconds`. */
interface PhasePlan {
  inputs: ModelInputs;
  tableCeiling: number;
  phase: string;
  work: number;
  demand: number;
  shape: (own: number) => Second;
  fixedSeconds?: number | undefined;
}

/** Steps one phase a second at a time: what each partition and the table serve, what the live path loses. */
function stepPhase({ inputs, tableCeiling, phase, work, demand, shape, fixedSeconds }: PhasePlan): { figures: PhaseFigures; servedPeak: number } {
  const figures: PhaseFigures = { phase, seconds: 0, livePartitionPeak: 0, partitionPeak: 0, tableDemandPeak: 0, liveThrottled: 0 };
  let left = work;
  let servedPeak = 0;
  while (fixedSeconds === undefined ? left > 0 : figures.seconds < fixedSeconds) {
    const second = shape(demand / BUCKETS);
    const tableDemand = (second.active + second.building + second.retired) * BUCKETS;
    const tableShare = Math.min(1, tableCeiling / tableDemand);
    const share = (perPartition: number) => Math.min(1, tableShare, inputs.partitionWrites / Math.max(perPartition, 1e-9));
    const served = demand * (second.retired > 0 ? share(second.retired) : share(second.building));
    left -= served;
    servedPeak = Math.max(servedPeak, served);
    const logShare = Math.min(1, inputs.partitionWrites / Math.max(second.log, 1e-9));
    figures.liveThrottled += BUCKETS * (second.active * (1 - share(second.active)) + second.liveBuilding * (1 - share(second.building)) + second.liveLog * (1 - logShare));
    figures.livePartitionPeak = Math.max(figures.livePartitionPeak, second.active, second.liveBuilding > 0 ? second.building : 0, second.liveLog > 0 ? second.log : 0);
    figures.partitionPeak = Math.max(figures.partitionPeak, second.active, second.building, second.retired, second.log);
    figures.tableDemandPeak = Math.max(figures.tableDemandPeak, tableDemand);
    figures.seconds += 1;
  }
  return { figures, servedPeak };
}

/** Runs the model. */
export function runRebuildModel(inputs: ModelInputs): ModelResult {
  const segments = defaultSegments(inputs.items, inputs.targetMinutes * 60);
  const children = inputs.children ?? Math.ceil(segments / SEGMENTS_PER_CHILD);
  const callsInFlight = WRITES_PER_SEGMENT * segments * 4;
  const loadRate = { cpu: (children * inputs.vcpusPerChild * 1e6) / inputs.cpuMicrosPerItem, latency: (callsInFlight * 25 * 1000) / inputs.latencyMs.batchWrite };
  const loadDemand = Math.min(loadRate.cpu, loadRate.latency);
  const tableCeiling = Math.min(inputs.tableWrites, Math.max(inputs.warmWrites, 2 * inputs.previousPeak));
  const live = inputs.changesPerSecond / BUCKETS;
  const phases: PhaseFigures[] = [];
  let elapsed = 0;
  let loadedRate = 0;

  const step = (phase: string, work: number, demand: number, shape: (own: number) => Second, fixedSeconds?: number) => {
    const { figures, servedPeak } = stepPhase({ inputs, tableCeiling, phase, work, demand, shape, fixedSeconds });
    if (phase === 'load') loadedRate = servedPeak;
    elapsed += figures.seconds;
    phases.push(figures);
  };
  const building = (own: number): Second => ({ active: live, building: live + own, liveBuilding: live, retired: 0, log: live, liveLog: live });

  step('settle (pointer cache + 1 s)', 0, 0, building, inputs.pointerCacheSeconds + 1);
  step('load', inputs.items, loadDemand, building);
  step('carry tombstones', inputs.tombstones, loadDemand, building);
  // The log holds the distinct ids changed since the generation opened; the replay reads it once.
  const logged = inputs.changedIds * (1 - Math.exp((-inputs.changesPerSecond * elapsed) / inputs.changedIds));
  const replayRate = (Math.max(REPLAY_BATCHES_IN_FLIGHT, segments) * REPLAY_BATCH) / ((inputs.latencyMs.sourceBatch + Math.ceil(REPLAY_BATCH / WRITE_CONCURRENCY) * inputs.latencyMs.write) / 1000);
  step('replay', logged, replayRate, building);
  // The gate's count: a strongly consistent COUNT Query of each of the generation's partitions, a
  // read unit per 4 KB, each partition at its read limit, as many at once as the build has segments.
  const countSeconds = Math.ceil(inputs.items / 4 / (Math.min(BUCKETS, segments) * inputs.partitionReads));
  step('gate (count + sample)', 0, 0, building, countSeconds + 1);
  step('flip', 0, 0, building, 1);
  // On demand, the clean-up deletes at the rate the load sustained, at least 1,000 (cleanup-rate.ts).
  const cleanupRate = Math.max(1_000, loadedRate);
  step('clean-up of the previous-but-one generation', inputs.items, cleanupRate, (own) => ({ active: live, building: 0, liveBuilding: 0, retired: own, log: 0, liveLog: 0 }));
  // The log's clear is not rate-limited: 8 of its partitions at once, four BatchWriteItem calls of
  // 25 in flight each (dynamodb/catch-up-log.ts), within the control table's quota and partitions.
  const clearRate = Math.min((LOG_CLEAR_PARTITIONS * 4 * 25 * 1000) / inputs.latencyMs.batchWrite, inputs.controlTableWrites, BUCKETS * inputs.partitionWrites);
  step('clear of the catch-up log', logged, clearRate, (own) => ({ active: live, building: 0, liveBuilding: 0, retired: 0, log: own, liveLog: 0 }));
  return { segments, children, loadRate, tableCeiling, phases, seconds: elapsed, liveThrottled: phases.reduce((sum, phase) => sum + phase.liveThrottled, 0) };
}

/** Partitions of the catch-up log cleared at once (dynamodb/catch-up-log.ts). */
const LOG_CLEAR_PARTITIONS = 8;
/** The replay's batch size (lambdas/core/rebuild/phases.ts). */
const REPLAY_BATCH = 100;
/** Conditional writes the DynamoDB index store keeps in flight (index-store.ts). */
const WRITE_CONCURRENCY = 16;

/** The limits of the DynamoDB developer guide, defaults of the job, and a 10 M-item night at 25,000 changes/s. */
export const TEN_MILLION: Omit<ModelInputs, 'cpuMicrosPerItem'> = {
  items: 10_000_000,
  changesPerSecond: 25_000,
  changedIds: 10_000_000,
  tombstones: 100_000,
  vcpusPerChild: 1,
  latencyMs: { batchWrite: 10, write: 5, sourceBatch: 20 },
  partitionWrites: 1_000,
  partitionReads: 3_000,
  tableWrites: 40_000,
  controlTableWrites: 40_000,
  warmWrites: defaultSegments(10_000_000, 20 * 60) * SEGMENT_ITEMS_PER_SECOND,
  previousPeak: 25_000,
  pointerCacheSeconds: 1,
  targetMinutes: 20,
};
