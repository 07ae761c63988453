/**
 * `npm run bench -- rebuild-model`: a 10 M-item type rebuilt on DynamoDB at 25,000 changes/s of
 * live traffic, simulated (bench/support/rebuild-model.ts), with the CPU one container spends per
 * loaded item measured in this run: the job's load (`loadGeneration`) through the DynamoDB index
 * store and the real SDK client (marshalling, serialization, signing, parsing the answer), whose
 * HTTP handler answers at once instead of sending, so only the network is left out. The model
 * then steps the night second by second against DynamoDB's limits and prints the wall time of
 * each phase, the busiest partitions and the live writes throttled, for the table as it comes
 * (default quota, the job's warm throughput) and as docs/rebuild.md says to set it up.
 *
 * BENCH_MODEL_MEASURE_ITEMS (default 20,000) items are measured, BENCH_MODEL_MEASURE_RUNS times
 * (default 3); the model takes the median; BENCH_MODEL_CPU_MICROS sets it instead of measuring
 * (to reproduce a run, e.g. the one docs/rebuild.md quotes). BENCH_MODEL_HOT_IDS (default 1,000,000) is the
 * smaller set of ids the changes fall on in the second workload.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIndexStore } from '../lambdas/adapters/dynamodb/index-store.ts';
import { loadGeneration, ProgressTracker } from '../lambdas/core/rebuild/index.ts';
import { generated } from './rebuild.ts';
import { benchType, ReadySource, spread } from './rebuild-scaling.ts';
import { runRebuildModel, TEN_MILLION, type ModelInputs, type ModelResult } from './support/rebuild-model.ts';
import { formatTable, median, positiveFromEnv } from './support/table.ts';

/** An SDK client whose every call is answered at once with an empty success: no item unprocessed. */
function answeringClient(): DynamoDBDocumentClient {
  const requestHandler = {
    handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from('{}')]) } }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://answered.invalid', credentials: { accessKeyId: 'model', secretAccessKey: 'model' }, requestHandler: requestHandler as never }));
}

/** CPU microseconds per item of the job's load into DynamoDB, network left out. */
async function measureCpuPerItem(size: number): Promise<number> {
  const records = new DynamoIndexStore({ client: answeringClient(), indexTable: 'index', controlTable: 'control', tombstoneTtlSeconds: 3600 });
  const source = new ReadySource(Array.from({ length: size }, (_, n) => generated(n)), 4);
  const progress = new ProgressTracker(Date.now, 60_000, () => undefined);
  const before = process.cpuUsage();
  const result = await loadGeneration({ type: benchType(), source, records, generation: 2, tuning: { segments: 4, pageSize: 500, chunkSize: 100, writesInFlight: 8 }, tombstoneTtlSeconds: 3600, sampleSize: 100, clock: Date.now, random: Math.random, progress });
  const used = process.cpuUsage(before);
  if (result.loaded !== size) throw new Error(`the measured load wrote ${result.loaded} of ${size} items`);
  return (used.user + used.system) / size;
}

const whole = (value: number) => Math.round(value).toLocaleString('en-US');
const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;

function printResult(print: (line: string) => void, name: string, result: ModelResult): void {
  print(`${name}: ${result.segments} segments in ${result.children} container(s); load bound ${whole(result.loadRate.cpu)}/s by CPU, ${whole(result.loadRate.latency)}/s by round trips; the table serves ${whole(result.tableCeiling)} writes/s at once`);
  print(formatTable(
    ['phase', 'wall time', 'busiest live-path partition, writes/s', 'busiest partition', 'index table writes/s asked', 'live writes throttled'],
    result.phases.map((phase) => [phase.phase, minutes(phase.seconds), whole(phase.livePartitionPeak), whole(phase.partitionPeak), whole(phase.tableDemandPeak), whole(phase.liveThrottled)]),
  ));
  print(`  total ${minutes(result.seconds)} (goal 30 min: ${result.seconds <= 1800 ? 'met' : 'missed'}); live writes throttled: ${whole(result.liveThrottled)}${result.liveThrottled > 0 ? ' (goal 0: missed)' : ' (goal 0: met)'}`);
  print('');
}

/** The median CPU per item over `runs` measured loads of `size` items, after a warm-up. */
async function measuredCpu(print: (line: string) => void, size: number, runs: number): Promise<number> {
  print(`the job's load into DynamoDB, network left out: ${size.toLocaleString('en-US')} items, ${runs} runs...`);
  await measureCpuPerItem(Math.min(size, 2_000));
  const measured: number[] = [];
  for (let run = 0; run < runs; run++) measured.push(await measureCpuPerItem(size));
  print(`  CPU per item: ${spread(measured)} µs, median (min–max), on this machine\n`);
  return median(measured);
}

/** Prints the model's nights. */
export async function benchRebuildModel(print: (line: string) => void = console.log): Promise<void> {
  const size = positiveFromEnv('BENCH_MODEL_MEASURE_ITEMS', 20_000, { integer: true });
  const runs = positiveFromEnv('BENCH_MODEL_MEASURE_RUNS', 3, { integer: true });
  const hotIds = positiveFromEnv('BENCH_MODEL_HOT_IDS', 1_000_000, { integer: true });
  const given = process.env['BENCH_MODEL_CPU_MICROS'];
  const cpuMicrosPerItem = given === undefined ? await measuredCpu(print, size, runs) : positiveFromEnv('BENCH_MODEL_CPU_MICROS', 1);
  if (given !== undefined) print(`CPU per item: ${cpuMicrosPerItem} µs, as BENCH_MODEL_CPU_MICROS says (not measured)\n`);
  const base: ModelInputs = { ...TEN_MILLION, cpuMicrosPerItem };
  const setUp = { tableWrites: 100_000, warmWrites: 100_000 };
  const nights: Array<[string, ModelInputs]> = [
    ['10 M items, 25,000 changes/s on every id; the table as it comes (quota 40,000 writes/s, warm throughput as the job raises it)', base],
    ['the same night, the quota raised to 100,000, warm throughput as the job raises it', { ...base, tableWrites: 100_000 }],
    ['the same night, the table set up as docs/rebuild.md says (quota 100,000, indexWarmWritesPerSecond 100,000)', { ...base, ...setUp }],
    [`the table set up, changes on ${hotIds.toLocaleString('en-US')} hot ids`, { ...base, ...setUp, changedIds: hotIds }],
    ['the table set up, changes on every id, the load split over 2 containers (FRESHINDEX_REBUILD_CHILDREN=2)', { ...base, ...setUp, children: 2 }],
  ];
  for (const [name, inputs] of nights) printResult(print, name, runRebuildModel(inputs));
  print('Limits: 1,000 write units/s and 3,000 read units/s per partition key, records of 1 KB; BatchWriteItem 10 ms, PutItem 5 ms, a source batch of 100 20 ms; one vCPU per container.');
}
