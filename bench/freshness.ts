/**
 * The freshness benchmark (issue #10): how long a change takes from publish to visible in the
 * index, p50 and p99, at 200 and 500 changes/s, through SNS → SQS → the local event source → the
 * real apply handler → DynamoDB or Redis, against a bare SendMessage → ReceiveMessage → DeleteMessageBatch
 * loop on the same emulator. The difference is printed as added milliseconds. Each store also runs
 * the competent handler of bench/apply.ts (the same conditional write per record, without
 * freshindex) through the same path, so the table separates the store's own write time from what
 * freshindex adds over it.
 *
 * Windows alternate bare / freshindex (then freshindex / bare) so a busy neighbour slows both.
 * Settings (environment): FRESHINDEX_FRESHNESS_RATES (default 200,500), FRESHINDEX_FRESHNESS_SECONDS
 * per window (default 8), FRESHINDEX_FRESHNESS_WINDOWS per path and rate (default 2),
 * FRESHINDEX_FRESHNESS_STAGES=1 to split the time into stages (bench/support/freshness-stages.ts),
 * FRESHINDEX_FRESHNESS_POLLERS per path (default 4), FRESHINDEX_FRESHNESS_EMULATORS=thread to run the
 * emulators on a worker thread of their own (by default they share the benchmark's thread),
 * FRESHINDEX_FRESHNESS_STORE=dynamodb|redis|both (default both): the index the handler writes,
 * dynalite or a redis-server the benchmark starts (one row per store).
 */
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyHandlerOn, createTopology, EVENT_SOURCE_CONCURRENCY, makeChange, runWindow } from './soak.ts';
import { createCompetentHandler } from './support/competent-handler.ts';
import { formatStages, StageRecorder } from './support/freshness-stages.ts';
import { startBenchBackend, type BenchBackend } from './support/harness.ts';
import type { SqsFunction } from '../lambdas/local/event-source.ts';
import { formatTable, median, positiveFromEnv, quantile } from './support/table.ts';
import { startRedis } from '../test/support/redis.ts';

interface Latencies {
  p50Ms: number;
  p99Ms: number;
  settled: number;
  published: number;
  failedDeliveries?: number;
}

/** Publishes `rate` messages/s for `seconds` with SendMessageBatch, received by `pollers` plain receive loops. */
async function bareLoop(backend: BenchBackend, queueUrl: string, rate: number, seconds: number, firstChange: number, pollers: number, stages?: StageRecorder): Promise<Latencies> {
  const latencies: number[] = [];
  let published = 0;
  let stopping = false;
  const receiver = async () => {
    while (!stopping || latencies.length < published) {
      const { Messages = [] } = await backend.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, ...(stages ? { MessageSystemAttributeNames: ['All'] } : {}) }),
      );
      const now = Date.now();
      for (const message of Messages) {
        const publishedAt = (JSON.parse(message.Body ?? '{}') as { doc: { publishedAt: number } }).doc.publishedAt;
        latencies.push(now - publishedAt);
        if (stages) stages.add('toHandler', now - stages.addReceived(publishedAt, message.Attributes ?? {}));
      }
      if (Messages.length > 0) {
        await backend.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })) }));
      }
      if (stopping && Messages.length === 0) break;
    }
  };
  const receivers = Array.from({ length: pollers }, receiver);
  const tickMs = 100;
  const started = Date.now();
  const sends: Array<Promise<unknown>> = [];
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started + tickMs) / 1000) * rate) - published;
    for (let sent = 0; sent < due; sent += 10) {
      const size = Math.min(10, due - sent);
      const now = Date.now();
      const entries = Array.from({ length: size }, (_, j) => ({ Id: String(j), MessageBody: makeChange(firstChange + published + j, now) }));
      published += size;
      sends.push(backend.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })));
    }
    await sleep(tickMs);
  }
  await Promise.all(sends);
  const deadline = Date.now() + 30_000;
  while (latencies.length < published && Date.now() < deadline) await sleep(50);
  stopping = true;
  await Promise.all(receivers);
  const sorted = latencies.sort((a, b) => a - b);
  return { p50Ms: quantile(sorted, 0.5) ?? Number.NaN, p99Ms: quantile(sorted, 0.99) ?? Number.NaN, settled: latencies.length, published };
}

/** The index stores the bench can apply to (FRESHINDEX_FRESHNESS_STORE). */
const STORES = { dynamodb: 'DynamoDB (dynalite)', redis: 'Redis (redis-server)' } as const;
type StoreName = keyof typeof STORES;

function storesFromEnv(): StoreName[] {
  const setting = process.env['FRESHINDEX_FRESHNESS_STORE'] ?? 'both';
  if (setting === 'both') return ['dynamodb', 'redis'];
  if (setting in STORES) return [setting as StoreName];
  throw new Error(`FRESHINDEX_FRESHNESS_STORE must be dynamodb, redis or both, not "${setting}"`);
}

/** The handlers a path can run: the real apply handler, or the competent baseline (bench/support/competent-handler.ts). */
type HandlerKind = 'freshindex' | 'competent';

/** One path: a topology of its own and a handler writing to one store. */
interface StorePath {
  store: StoreName;
  kind: HandlerKind;
  topicArn: string;
  queueUrl: string;
  handler: SqsFunction;
}

async function storePath(backend: BenchBackend, store: StoreName, kind: HandlerKind, redisUrl: string | undefined): Promise<StorePath> {
  const label = `freshness-${store}-${kind}`;
  const stack = await backend.freshStack(label, store === 'redis' ? { redisUrl: redisUrl as string } : {});
  const topology = await createTopology(backend, label);
  const handler: SqsFunction = kind === 'freshindex' ? applyHandlerOn(stack, backend, topology.dlqUrl) : createCompetentHandler(stack.runtime);
  return { store, kind, topicArn: topology.topicArn, queueUrl: topology.queueUrl, handler };
}

/** Runs the freshness benchmark and prints its table. */
export async function benchFreshness(print: (line: string) => void = console.log): Promise<void> {
  const rates = (process.env['FRESHINDEX_FRESHNESS_RATES'] ?? '200,500').split(',').map(Number);
  const seconds = positiveFromEnv('FRESHINDEX_FRESHNESS_SECONDS', 8);
  const windows = positiveFromEnv('FRESHINDEX_FRESHNESS_WINDOWS', 2, { integer: true });
  const pollers = positiveFromEnv('FRESHINDEX_FRESHNESS_POLLERS', EVENT_SOURCE_CONCURRENCY, { integer: true });
  const emulatorThread = process.env['FRESHINDEX_FRESHNESS_EMULATORS'] === 'thread';
  const stores = storesFromEnv();
  const redis = stores.includes('redis') ? await startRedis() : undefined;
  const backend = await startBenchBackend({ emulatorThread });
  try {
    const paths: StorePath[] = [];
    // Each store also runs the competent handler: the same write, without freshindex, so the table
    // shows what freshindex adds over the store's own write and not only over a loop that writes nothing.
    for (const store of stores) for (const kind of ['freshindex', 'competent'] as const) paths.push(await storePath(backend, store, kind, redis?.url));
    const stageMode = process.env['FRESHINDEX_FRESHNESS_STAGES'] === '1';
    const { QueueUrl: bareUrl } = await backend.sqs.send(new CreateQueueCommand({ QueueName: `freshness-bare-${Date.now()}`, Attributes: { VisibilityTimeout: '30' } }));
    print(
      `freshness: ${windows} windows of ${seconds} s per path and rate; every path receives with ${pollers} pollers, batch 10; ` +
        `emulators ${emulatorThread ? 'on a worker thread' : 'in the benchmark thread'}; stores: ${stores.map((store) => STORES[store]).join(', ')}`,
    );
    const rows: string[][] = [];
    const stageLines: string[] = [];
    const counter = { firstChange: 0 };
    for (const rate of rates) {
      const run = { backend, bareUrl: bareUrl as string, rate, seconds, windows, pollers, stageMode, counter };
      const result = await measureRate(run, paths);
      rows.push(...result.rows);
      stageLines.push(...result.stageLines);
    }
    print(
      formatTable(
        ['rate', 'store', 'handler', 'bare SQS loop p50 / p99 ms', 'handler p50 / p99 ms', 'added over bare p50 / p99 (median of window pairs)', 'freshindex − competent p50 / p99', 'not settled'],
        rows,
      ),
    );
    for (const line of stageLines) print(line);
  } finally {
    await backend.stop();
    await redis?.stop();
  }
}

interface RateRun {
  backend: BenchBackend;
  bareUrl: string;
  rate: number;
  seconds: number;
  windows: number;
  pollers: number;
  stageMode: boolean;
  counter: { firstChange: number };
}

/**
 * One rate: each window runs the bare loop and every store's path once, the order rotated from
 * window to window so a busy neighbour slows them alike; each store is compared with the bare
 * window of the same round.
 */
async function measureRate(run: RateRun, paths: readonly StorePath[]): Promise<{ rows: string[][]; stageLines: string[] }> {
  const { backend, rate, seconds, pollers, counter } = run;
  const bare: Latencies[] = [];
  const ours = paths.map(() => [] as Latencies[]);
  const bareStages = run.stageMode ? new StageRecorder() : undefined;
  const ourStages = paths.map(() => (run.stageMode ? new StageRecorder() : undefined));
  const runners = [
    { run: async () => bare.push(await bareLoop(backend, run.bareUrl, rate, seconds, counter.firstChange, pollers, bareStages)), recorder: bareStages },
    ...paths.map((path, index) => {
      const recorder = ourStages[index];
      const handler = recorder ? recorder.wrap(path.handler) : path.handler;
      const target = { topicArn: path.topicArn, queueUrl: path.queueUrl, handler };
      return { run: async () => (ours[index] as Latencies[]).push(await runWindow(backend, 'freshindex', target, { rate, seconds, firstChange: counter.firstChange, pollers })), recorder };
    }),
  ];
  for (let window = 0; window < run.windows; window++) {
    for (let step = 0; step < runners.length; step++) {
      const { run: go, recorder } = runners[(window + step) % runners.length] as (typeof runners)[number];
      backend.calls.take();
      recorder?.startWindow();
      await go();
      recorder?.endWindow();
      recorder?.addCalls(backend.calls.take());
      counter.firstChange += rate * seconds;
    }
  }
  const mid = (list: Latencies[], field: 'p50Ms' | 'p99Ms') => median(list.map((one) => one[field]));
  const rows: string[][] = [];
  const stageLines: string[] = [];
  const difference = (mine: Latencies[], other: Latencies[], field: 'p50Ms' | 'p99Ms') => median(mine.map((one, i) => one[field] - (other[i] as Latencies)[field]));
  paths.forEach((path, index) => {
    const mine = ours[index] as Latencies[];
    const added = (field: 'p50Ms' | 'p99Ms') => difference(mine, bare, field);
    const competent = ours[paths.findIndex((other) => other.store === path.store && other.kind === 'competent')] as Latencies[];
    const overCompetent = path.kind === 'freshindex' ? `${signed(difference(mine, competent, 'p50Ms'))} / ${signed(difference(mine, competent, 'p99Ms'))}` : '';
    const lost = mine.reduce((sum, one) => sum + one.published - one.settled, 0);
    rows.push([
      `${rate}/s`,
      STORES[path.store],
      path.kind,
      `${mid(bare, 'p50Ms').toFixed(0)} / ${mid(bare, 'p99Ms').toFixed(0)}`,
      `${mid(mine, 'p50Ms').toFixed(0)} / ${mid(mine, 'p99Ms').toFixed(0)}`,
      `${signed(added('p50Ms'))} / ${signed(added('p99Ms'))}`,
      overCompetent,
      String(lost),
    ]);
    const recorder = ourStages[index];
    if (bareStages && recorder) {
      stageLines.push(`  ${rate}/s ${path.store}: ${path.kind} failed deliveries (redelivered after the visibility timeout): ${mine.reduce((sum, one) => sum + (one.failedDeliveries ?? 0), 0)}`);
      stageLines.push(formatStages(rate, [{ name: 'bare SQS loop', recorder: bareStages }, { name: `${path.kind} (${path.store})`, recorder }]));
    }
  });
  return { rows, stageLines };
}

const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(0)} ms`;
