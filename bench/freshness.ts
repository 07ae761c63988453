/**
 * The freshness benchmark (issue #10): how long a change takes from publish to visible in the
 * index, p50 and p99, at 200 and 500 changes/s, through SNS → SQS → the local event source → the
 * real apply handler → DynamoDB, against a bare SendMessage → ReceiveMessage → DeleteMessageBatch
 * loop on the same emulator. The difference is printed as added milliseconds.
 *
 * Windows alternate bare / freshindex (then freshindex / bare) so a busy neighbour slows both.
 * Settings (environment): FRESHINDEX_FRESHNESS_RATES (default 200,500), FRESHINDEX_FRESHNESS_SECONDS
 * per window (default 8), FRESHINDEX_FRESHNESS_WINDOWS per path and rate (default 2),
 * FRESHINDEX_FRESHNESS_STAGES=1 to split the time into stages (bench/support/freshness-stages.ts),
 * FRESHINDEX_FRESHNESS_POLLERS per path (default 4), FRESHINDEX_FRESHNESS_EMULATORS=thread to run the
 * emulators on a worker thread of their own (by default they share the benchmark's thread).
 */
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyHandlerOn, createTopology, EVENT_SOURCE_CONCURRENCY, makeChange, runWindow } from './soak.ts';
import { formatStages, StageRecorder } from './support/freshness-stages.ts';
import { startBenchBackend, type BenchBackend } from './support/harness.ts';
import { formatTable, median, positiveFromEnv, quantile } from './support/table.ts';

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

/** Runs the freshness benchmark and prints its table. */
export async function benchFreshness(print: (line: string) => void = console.log): Promise<void> {
  const rates = (process.env['FRESHINDEX_FRESHNESS_RATES'] ?? '200,500').split(',').map(Number);
  const seconds = positiveFromEnv('FRESHINDEX_FRESHNESS_SECONDS', 8);
  const windows = positiveFromEnv('FRESHINDEX_FRESHNESS_WINDOWS', 2, { integer: true });
  const pollers = positiveFromEnv('FRESHINDEX_FRESHNESS_POLLERS', EVENT_SOURCE_CONCURRENCY, { integer: true });
  const emulatorThread = process.env['FRESHINDEX_FRESHNESS_EMULATORS'] === 'thread';
  const backend = await startBenchBackend({ emulatorThread });
  try {
    const stack = await backend.freshStack('freshness');
    const fresh = await createTopology(backend, 'freshness');
    const stageMode = process.env['FRESHINDEX_FRESHNESS_STAGES'] === '1';
    const applyHandler = applyHandlerOn(stack, backend, fresh.dlqUrl);
    const { QueueUrl: bareUrl } = await backend.sqs.send(new CreateQueueCommand({ QueueName: `freshness-bare-${Date.now()}`, Attributes: { VisibilityTimeout: '30' } }));
    print(
      `freshness: ${windows} windows of ${seconds} s per path and rate; both paths receive with ${pollers} pollers, batch 10; ` +
        `emulators ${emulatorThread ? 'on a worker thread' : 'in the benchmark thread'}`,
    );
    const rows: string[][] = [];
    const stageLines: string[] = [];
    let firstChange = 0;
    for (const rate of rates) {
      const bare: Latencies[] = [];
      const ours: Latencies[] = [];
      const bareStages = stageMode ? new StageRecorder() : undefined;
      const ourStages = stageMode ? new StageRecorder() : undefined;
      const handler = ourStages ? ourStages.wrap(applyHandler) : applyHandler;
      for (let window = 0; window < windows; window++) {
        const runBare = async () => bare.push(await bareLoop(backend, bareUrl as string, rate, seconds, firstChange, pollers, bareStages));
        const runOurs = async () => ours.push(await runWindow(backend, 'freshindex', { topicArn: fresh.topicArn, queueUrl: fresh.queueUrl, handler }, { rate, seconds, firstChange, pollers }));
        for (const [run, recorder] of window % 2 === 0 ? ([[runBare, bareStages], [runOurs, ourStages]] as const) : ([[runOurs, ourStages], [runBare, bareStages]] as const)) {
          backend.calls.take();
          recorder?.startWindow();
          await run();
          recorder?.endWindow();
          recorder?.addCalls(backend.calls.take());
          firstChange += rate * seconds;
        }
      }
      const mid = (list: Latencies[], field: 'p50Ms' | 'p99Ms') => median(list.map((one) => one[field]));
      const added = (field: 'p50Ms' | 'p99Ms') => median(ours.map((one, index) => one[field] - (bare[index] as Latencies)[field]));
      const lost = ours.reduce((sum, one) => sum + one.published - one.settled, 0);
      rows.push([
        `${rate}/s`,
        `${mid(bare, 'p50Ms').toFixed(0)} / ${mid(bare, 'p99Ms').toFixed(0)}`,
        `${mid(ours, 'p50Ms').toFixed(0)} / ${mid(ours, 'p99Ms').toFixed(0)}`,
        `${signed(added('p50Ms'))} / ${signed(added('p99Ms'))}`,
        String(lost),
      ]);
      if (bareStages && ourStages) stageLines.push(`  ${rate}/s: freshindex failed deliveries (redelivered after the visibility timeout): ${ours.reduce((sum, one) => sum + (one.failedDeliveries ?? 0), 0)}`);
      if (bareStages && ourStages) stageLines.push(formatStages(rate, [{ name: 'bare SQS loop', recorder: bareStages }, { name: 'freshindex', recorder: ourStages }]));
    }
    print(formatTable(['rate', 'bare SQS loop p50 / p99 ms', 'freshindex p50 / p99 ms', 'added p50 / p99 (median of window pairs)', 'not settled'], rows));
    for (const line of stageLines) print(line);
  } finally {
    await backend.stop();
  }
}

const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(0)} ms`;
