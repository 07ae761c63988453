/**
 * The apply benchmark (issue #2): throughput of the real apply handler, AWS API calls per 1,000
 * changes, and the cost of a million changes, against a naive baseline measured in the same run.
 * See docs/benchmarks.md for what every figure means.
 */
import { performance } from 'node:perf_hooks';
import { US_EAST_1_PRICES, type Prices } from './prices.ts';
import { mergeTallies, scaleTallies, type Tallies } from './support/api-calls.ts';
import { COST_LINES, costPerMillion, floorPerMillion, type CostPerMillion } from './support/cost.ts';
import { startBenchBackend, type BenchBackend } from './support/harness.ts';
import { runScenarios, type ScenarioResult, type ScenarioSpec } from './support/scenario.ts';
import { count, dollars, formatTable, ratio } from './support/table.ts';
import { measurePublishing, measureTransport, PUBLISHINGS, type Publishing, type TransportResult } from './support/transport.ts';
import { DEFAULT_WORKLOAD, generateEdits, type ChangeShape, type Edit, type WorkloadOptions } from './support/workload.ts';
import { printPipeline, type VerifyCost } from './support/pipeline.ts';
import { runVerifyPass } from './support/verify-pass.ts';

export interface ApplyBenchOptions {
  workload?: WorkloadOptions;
  /** Memory of the apply function, for GB-seconds. @default 1024 (the construct's default) */
  memoryMb?: number;
  prices?: Prices;
  /** Where lines go. @default console.log */
  print?: (line: string) => void;
}

/** One scenario with its transport and its cost. */
export interface MeasuredPath {
  run: ScenarioResult;
  transport: TransportResult;
  /** Handler and transport calls together, per 1,000 changes. */
  callsPer1000: Tallies;
  /** With the defaults' publishing (`PUBLISHINGS.defaults`, measured with the transport). */
  cost: CostPerMillion;
  /** The same path with each way of publishing in `PUBLISHINGS`, the defaults' included. */
  publishingCosts: Array<{ publishing: Publishing; published: Tallies; cost: CostPerMillion }>;
  recordsPerSecond: number;
}

export interface ShapeResult {
  shape: ChangeShape;
  baseline: MeasuredPath;
  paths: MeasuredPath[];
  /** The verify pipeline over the same edits, after the default path's run. */
  verify: VerifyCost;
}

export interface ApplyBenchResult {
  shapes: ShapeResult[];
  seconds: number;
}

const SCENARIOS: readonly ScenarioSpec[] = [
  { label: 'naive, 1/invocation', implementation: 'naive', batchSize: 1 },
  { label: 'competent, batch 10', implementation: 'competent', batchSize: 10 },
  { label: 'freshindex, batch 10', implementation: 'freshindex', batchSize: 10 },
  { label: 'freshindex, batch 100', implementation: 'freshindex', batchSize: 100 },
];

/** The scenario of the defaults: batches of 100 gathered for 1 s (a 60 s freshness target, lambdas/core/dispatch-routes.ts). */
const DEFAULTS_LABEL = 'freshindex, batch 100';
/** The verify function's default batch size (lib/verify.ts: batches of 100 gathered for 6 s at the 60 s settle delay). */
const VERIFY_BATCH_SIZE = 100;

const SHAPE_TITLES: Record<ChangeShape, string> = {
  doc: 'changes carrying their document (no source read)',
  source: 'changes carrying type and id only (document read from an HTTP CMS)',
};

/**
 * Runs the apply benchmark on in-process emulators and prints its report. Each shape of change
 * runs the baseline and the real handler (batches of 10 and 100) over the same edits.
 */
export async function benchApply(options: ApplyBenchOptions = {}): Promise<ApplyBenchResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const workload = options.workload ?? DEFAULT_WORKLOAD;
  const memoryMb = options.memoryMb ?? 1024;
  const prices = options.prices ?? US_EAST_1_PRICES;
  const began = performance.now();
  const backend = await startBenchBackend();
  try {
    await warmUp(backend);
    const shapes: ShapeResult[] = [];
    for (const shape of ['doc', 'source'] as const) {
      const edits = generateEdits(shape, workload);
      const runs = await runScenarios(backend, SCENARIOS, edits);
      const publishedBy = new Map<Publishing, Tallies>();
      for (const publishing of Object.values(PUBLISHINGS)) if (publishing !== PUBLISHINGS.defaults) publishedBy.set(publishing, await measurePublishing(backend, edits, publishing));
      const paths: MeasuredPath[] = [];
      for (const run of runs) {
        const transport = await measureTransport(backend, edits, run.batchSize);
        const calls = mergeTallies(transport.calls, run.handlerCalls);
        const consumption = { changes: run.changes, invocations: run.invocations, billedMs: run.billedMs, memoryMb };
        const priced = (published: Tallies) => ({ published, cost: costPerMillion({ ...consumption, calls: mergeTallies(published, transport.queued, run.handlerCalls) }, prices) });
        paths.push({
          run,
          transport,
          callsPer1000: scaleTallies(calls, 1000 / run.changes),
          cost: costPerMillion({ ...consumption, calls }, prices),
          publishingCosts: Object.values(PUBLISHINGS).map((publishing) => ({ publishing, ...priced(publishedBy.get(publishing) ?? transport.published) })),
          recordsPerSecond: run.changes / (run.handlerMs / 1000),
        });
      }
      const [baseline] = paths as [MeasuredPath];
      const verify = await measureVerify(backend, paths, edits, memoryMb, prices);
      const result = { shape, baseline, paths, verify };
      shapes.push(result);
      printShape(print, result, workload, prices);
    }
    const seconds = (performance.now() - began) / 1000;
    printAssumptions(print, memoryMb, prices, shapes);
    printSummary(print, shapes, seconds, prices);
    return { shapes, seconds };
  } finally {
    await backend.stop();
  }
}

/** JIT, connections and the emulators' first tables: run a small workload through both handlers, unreported. */
async function warmUp(backend: BenchBackend): Promise<void> {
  const edits = generateEdits('doc', { ...DEFAULT_WORKLOAD, changes: 200, resources: 100, seed: 7 });
  await runScenarios(backend, SCENARIOS, edits);
  backend.calls.take();
}

function printShape(print: (line: string) => void, result: ShapeResult, workload: WorkloadOptions, prices: Prices): void {
  const { baseline, paths } = result;
  const headers = ['', ...paths.map((path) => path.run.label)];
  print('');
  print(`== apply: ${SHAPE_TITLES[result.shape]} ==`);
  print(
    `   ${workload.changes.toLocaleString('en-US')} changes to ${baseline.run.resources} resources (${Math.round(workload.burstShare * 100)}% re-edit one of the last ${workload.recentWindow} edited, ${Math.round(workload.deleteShare * 100)}% deletes); index checked against the last edit of every resource after each run`,
  );

  print('');
  print('Throughput: one warm instance, invocations one after another, handler time only');
  print(
    formatTable(headers, [
      ['invocations', ...paths.map((path) => count(path.run.invocations))],
      ['mean ms per invocation', ...paths.map((path) => (path.run.handlerMs / path.run.invocations).toFixed(1))],
      ['records applied per second', ...paths.map((path) => count(Math.round(path.recordsPerSecond)))],
      ['vs baseline', ...paths.map((path) => ratio(path.recordsPerSecond, baseline.recordsPerSecond))],
      ['vs competent', ...paths.map((path) => ratio(path.recordsPerSecond, competentOf(result).recordsPerSecond))],
    ]),
  );

  print('');
  print('AWS API calls per 1,000 changes, by operation (counted by SDK middleware; * computed)');
  const keys = [...new Set(paths.flatMap((path) => [...path.callsPer1000.keys()]))].sort();
  const totalCalls = (path: MeasuredPath) => [...path.callsPer1000.values()].reduce((sum, tally) => sum + tally.calls, 0);
  print(
    formatTable(headers, [
      ...keys.map((key) => [key.includes('(SNS delivery)') ? `${key} *` : key, ...paths.map((path) => count(path.callsPer1000.get(key)?.calls ?? 0))]),
      ['total calls', ...paths.map((path) => count(totalCalls(path)))],
      ['vs baseline', ...paths.map((path) => ratio(totalCalls(path), totalCalls(baseline)))],
      ['DynamoDB WRU', ...paths.map((path) => count(units(path, 'wru')))],
      ['DynamoDB RRU', ...paths.map((path) => count(units(path, 'rru')))],
      ['source HTTP requests', ...paths.map((path) => count((path.run.sourceRequests * 1000) / path.run.changes))],
    ]),
  );

  printCost(print, result, prices);
  printPublishing(print, result, prices);
  printPipeline(print, result.verify, { ...defaultsOf(result), costInTurn: costWith(defaultsOf(result), PUBLISHINGS.inTurn) }, prices);

  const notes = paths.filter((path) => path.run.failures > 0 || path.run.lowTombstones > 0);
  for (const path of notes) {
    if (path.run.failures > 0) print(`   note (${path.run.label}): ${path.run.failures} records reported as batch item failures`);
    if (path.run.lowTombstones > 0) {
      print(
        `   note (${path.run.label}): ${path.run.lowTombstones} deleted resources hold a tombstone below their delete's version (the delete shared a batch with an upsert that read the source, and the source's "not found" is tombstoned at the stored version)`,
      );
    }
  }
}

/** The cost table of a shape: each path with the defaults' publishing. */
function printCost(print: (line: string) => void, result: ShapeResult, prices: Prices): void {
  const { baseline, paths } = result;
  const headers = ['', ...paths.map((path) => path.run.label)];
  print('');
  print(`Cost per million changes, us-east-1 list prices of ${US_EAST_1_PRICES.asOf} (bench/prices.ts)`);
  print(
    formatTable(headers, [
      ...COST_LINES.map(([key, label]) => [label, ...paths.map((path) => dollars(path.cost[key]))]),
      ['total', ...paths.map((path) => dollars(path.cost.total))],
      ['vs baseline', ...paths.map((path) => ratio(path.cost.total, baseline.cost.total))],
      ['vs competent', ...paths.map((path) => ratio(path.cost.total, competentOf(result).cost.total))],
      [`vs floor (${dollars(floorPerMillion(prices))})`, ...paths.map((path) => ratio(path.cost.total, floorPerMillion(prices)))],
    ]),
  );
}

/** The defaults' apply path with each way of publishing: SNS requests, their price, the total against the floor. */
function printPublishing(print: (line: string) => void, result: ShapeResult, prices: Prices): void {
  const path = defaultsOf(result);
  const changes = path.run.changes;
  print('');
  print(`Publishing: the "${path.run.label}" path with each way of publishing (* the defaults: ChangePublisher, 8 publishes in flight; SNS per 1,000 changes)`);
  print(
    formatTable(
      ['', 'SNS requests', 'changes per request', 'SNS publish', 'apply total', `vs floor (${dollars(floorPerMillion(prices))})`],
      path.publishingCosts.map(({ publishing, published, cost }) => {
        const requests = [...published].reduce((sum, [key, tally]) => sum + (key.startsWith('SNS ') ? tally.calls : 0), 0);
        return [publishing === PUBLISHINGS.defaults ? `${publishing.label} *` : publishing.label, count(Math.round((requests * 1000) / changes)), (changes / requests).toFixed(1), dollars(cost.snsPublish), dollars(cost.total), ratio(cost.total, floorPerMillion(prices))];
      }),
    ),
  );
}

/** The path of the defaults (batches of 100 with a 1 s window). */
function defaultsOf(result: { paths: readonly MeasuredPath[] }): MeasuredPath {
  return result.paths.find((path) => path.run.label === DEFAULTS_LABEL) ?? (result.paths.at(-1) as MeasuredPath);
}

/**
 * Prices the verify pipeline over the same edits: the default apply function's SendMessageBatch
 * of each batch's checks (the verify queue has no subscription), the verify queue read at the
 * verify batch size, the checks run against the tables and CMS the default path's run left.
 */
async function measureVerify(backend: BenchBackend, paths: readonly MeasuredPath[], edits: readonly Edit[], memoryMb: number, prices: Prices): Promise<VerifyCost> {
  const apply = defaultsOf({ paths });
  const pass = await runVerifyPass(backend, apply.run.stack, edits, apply.run.batchSize, VERIFY_BATCH_SIZE);
  // The baseline of this run: what the verify queue's former subscription cost in SQS, every change enqueued by SNS and received and deleted at batch 100 (the apply queue's own count).
  const subscribed = paths.find((path) => path.run.implementation === 'freshindex' && path.run.batchSize === VERIFY_BATCH_SIZE) ?? apply;
  const formerSqs = costPerMillion({ changes: edits.length, calls: subscribed.transport.queued, invocations: 0, billedMs: 0, memoryMb }, prices).sqsRequests;
  return {
    pass,
    formerSqs,
    callsPer1000: scaleTallies(pass.calls, 1000 / pass.changes),
    cost: costPerMillion({ changes: pass.changes, calls: pass.calls, invocations: pass.invocations, billedMs: pass.billedMs, memoryMb }, prices),
  };
}

/** The cost of `path` with one way of publishing. */
function costWith(path: MeasuredPath, publishing: Publishing): CostPerMillion {
  return path.publishingCosts.find((one) => one.publishing === publishing)?.cost ?? path.cost;
}

/** The competent baseline's path of a shape (second scenario). */
function competentOf(result: ShapeResult): MeasuredPath {
  return result.paths.find((path) => path.run.implementation === 'competent') ?? result.baseline;
}

function units(path: MeasuredPath, unit: 'wru' | 'rru'): number {
  return [...path.callsPer1000.values()].reduce((sum, tally) => sum + tally[unit], 0);
}

function printAssumptions(print: (line: string) => void, memoryMb: number, prices: Prices, shapes: ShapeResult[]): void {
  const durations = shapes.flatMap((shape) => shape.paths.map((path) => `${shape.shape}/${path.run.label} ${(path.run.billedMs / path.run.invocations).toFixed(1)} ms`));
  print('');
  print('Assumptions');
  print(`  - Lambda: arm64, ${memoryMb} MB; duration = the handler time measured here against the emulators, rounded up per invocation: ${durations.join('; ')}.`);
  print('    Real DynamoDB and CMS latencies differ from in-process emulators: read the duration line as an order of magnitude.');
  print('  - Invocations are full batches (sustained load). At low traffic batches are smaller and the batched paths cost more per change.');
  print('  - SNS: the defaults are the CMS publishing through ChangePublisher (group commit: PublishBatch of the changes published while one is in flight, up to 10) with 8 publishes in flight, for every path, the baselines too. The "Publishing" table prices the defaults\' path with the other ways: ChangePublisher awaited in turn (one request per change, the worst case), with 64 in flight, the opt-in BufferingPublisher (20 ms linger), and changes arriving at a steady 200 (both publishers) and 1,000 per second with 20 ms added to every SNS call. PublishBatch is billed per 64 KB of its payload. Delivery to SQS is free for SNS; its enqueue is counted as one SQS request per message (*), on the apply queue only: the apply function sends the checks to the verify queue (SendMessageBatch, measured).');
  print('  - Defaults: batches of 100 gathered for 1 s, what a 60 s freshness target derives (1/60 of it); batch 10 is what a target under 60 s gets.');
  print("  - SQS receive and delete calls are those the local event source (lambdas/local/event-source.ts) made for the same messages; Lambda's pollers differ in detail, and their idle long polls (a fixed cost per queue, not per change) are not counted.");
  print(`  - DynamoDB on-demand: a write of up to 1 KB is 1 WRU (failed conditional writes included); a strongly consistent read of up to 4 KB is 1 RRU, 0.5 eventually consistent. Item sizes are computed from each request.`);
  print('  - The first pointer read of each instance is left out; its re-reads (one GetItem per type per pointerCacheSeconds) are counted. CloudWatch logs and metrics are not priced.');
  print('  - Throughput is measured with the emulators in this process: dynalite is CPU-bound, so concurrent writes gain little here; against real DynamoDB (latency-bound) batching gains more.');
  print(`  - Prices: ${prices.region}, ${prices.asOf}, first tier, free tiers ignored (bench/prices.ts).`);
}

function printSummary(print: (line: string) => void, shapes: ShapeResult[], seconds: number, prices: Prices): void {
  print('');
  print('Summary (ratios against the naive and the competent baselines measured in this run, and against the floor)');
  for (const result of shapes) {
    const { shape, baseline, paths } = result;
    const competent = competentOf(result);
    for (const path of paths.filter((one) => one.run.implementation === 'freshindex')) {
      const calls = (p: MeasuredPath) => [...p.callsPer1000.values()].reduce((sum, tally) => sum + tally.calls, 0);
      print(
        `  ${shape.padEnd(6)} ${path.run.label.padEnd(22)} throughput ${ratio(path.recordsPerSecond, baseline.recordsPerSecond).padStart(6)} (competent ${ratio(path.recordsPerSecond, competent.recordsPerSecond)})   AWS calls ${ratio(calls(path), calls(baseline)).padStart(6)} (competent ${ratio(calls(path), calls(competent))})   cost ${ratio(path.cost.total, baseline.cost.total).padStart(6)} (competent ${ratio(path.cost.total, competent.cost.total)}, floor ${ratio(path.cost.total, floorPerMillion(prices))}; awaited in turn: floor ${ratio(costWith(path, PUBLISHINGS.inTurn).total, floorPerMillion(prices))})`,
      );
    }
  }
  for (const result of shapes) {
    const apply = defaultsOf(result);
    const whole = (cost: CostPerMillion) => ratio(cost.total + result.verify.cost.total, floorPerMillion(prices));
    print(`  ${result.shape.padEnd(6)} whole pipeline (${apply.run.label} + verify): floor ${whole(apply.cost)}; awaited in turn: floor ${whole(costWith(apply, PUBLISHINGS.inTurn))}`);
    print(`  ${result.shape.padEnd(6)} ${apply.run.label} by publishing: ${apply.publishingCosts.map(({ publishing, cost }) => `${publishing.label} ${ratio(cost.total, floorPerMillion(prices))}`).join('; ')} (vs floor)`);
  }
  print(`  (apply benchmark took ${seconds.toFixed(0)} s)`);
}
