/**
 * The soak benchmark (issue #8): a steady load of change events through the whole incremental path,
 * SNS → SQS → the local event source → the real apply handler → DynamoDB, for minutes, printing the
 * achieved rate, dead letters, the backlog's peak and publish → applied latency p50/p99.
 *
 * Baseline, measured in the same run and interleaved: the same topic, queue and event source with a
 * function that does nothing (the transport alone). The difference is what freshindex adds.
 *
 * Settings (environment): FRESHINDEX_SOAK_RATE changes/s (default 500), FRESHINDEX_SOAK_SECONDS of
 * freshindex load in all (default 120), FRESHINDEX_SOAK_WINDOWS windows each side (default 4).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishBatchCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApplyHandler } from '../lambdas/handlers/apply.ts';
import { SqsEventSource, type SqsFunction } from '../lambdas/local/event-source.ts';
import { startBenchBackend, type BenchBackend, type BenchStack } from './support/harness.ts';
import { count, formatTable, median, positiveFromEnv, quantile, ratio } from './support/table.ts';
import { TYPE_NAME } from './support/workload.ts';

interface SoakSettings {
  rate: number;
  seconds: number;
  windows: number;
}

/** What one window measured. */
export interface WindowResult {
  kind: 'freshindex' | 'baseline';
  published: number;
  settled: number;
  achievedRate: number;
  backlogPeak: number;
  p50Ms: number;
  p99Ms: number;
  /** Deliveries the handler reported failed (SQS redelivers them after the visibility timeout). */
  failedDeliveries: number;
}

const MAX_RECEIVE_COUNT = 5;
/** Pollers of the event source, in the soak and the freshness benchmark. */
export const EVENT_SOURCE_CONCURRENCY = 4;
let seq = 0;

function settingsFromEnv(): SoakSettings {
  return {
    rate: positiveFromEnv('FRESHINDEX_SOAK_RATE', 500),
    seconds: positiveFromEnv('FRESHINDEX_SOAK_SECONDS', 120),
    windows: Math.round(positiveFromEnv('FRESHINDEX_SOAK_WINDOWS', 4)),
  };
}

/** A topic fanning out to a queue with its dead-letter queue, as the data stack creates them. */
export async function createTopology(backend: BenchBackend, label: string) {
  seq += 1;
  const { TopicArn } = await backend.sns.send(new CreateTopicCommand({ Name: `soak-${label}-${seq}` }));
  const { QueueUrl: dlqUrl } = await backend.sqs.send(new CreateQueueCommand({ QueueName: `soak-${label}-dlq-${seq}` }));
  const arnOf = async (url: string | undefined) =>
    (await backend.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
  const { QueueUrl: queueUrl } = await backend.sqs.send(
    new CreateQueueCommand({
      QueueName: `soak-${label}-${seq}`,
      Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlqUrl), maxReceiveCount: MAX_RECEIVE_COUNT }) },
    }),
  );
  await backend.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await arnOf(queueUrl) }));
  return { topicArn: TopicArn as string, queueUrl: queueUrl as string, dlqUrl: dlqUrl as string };
}

/** Change events with whole documents (no source read), one fresh resource version each. */
export function makeChange(n: number, publishedAt: number): string {
  const id = `v${String(n % 5_000).padStart(5, '0')}`;
  const version = n + 1;
  const doc = { id, version, title: `Video ${n}`, tags: ['soak', `t${n % 17}`], description: 'x'.repeat(400), duration: n % 3_600, publishedAt };
  return JSON.stringify({ type: TYPE_NAME, id, op: 'upsert', version, doc, occurredAt: new Date(publishedAt).toISOString() });
}

/** Runs one window: publishes at `rate` for `seconds`, then waits for the backlog to drain. */
export async function runWindow(
  backend: BenchBackend,
  kind: WindowResult['kind'],
  target: { topicArn: string; handler: SqsFunction; queueUrl: string },
  settings: { rate: number; seconds: number; firstChange: number; pollers?: number },
): Promise<WindowResult> {
  const latencies: number[] = [];
  let settled = 0;
  let failedDeliveries = 0;
  let lastSettledAt = Date.now();
  const measured: SqsFunction = async (event: SQSEvent, context) => {
    const response = (await target.handler(event, context)) as SQSBatchResponse | undefined;
    const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    const now = Date.now();
    failedDeliveries += failed.size;
    for (const record of event.Records) {
      if (failed.has(record.messageId)) continue;
      const envelope = JSON.parse(record.body) as { Message: string };
      const change = JSON.parse(envelope.Message) as { doc: { publishedAt: number } };
      latencies.push(now - change.doc.publishedAt);
      settled += 1;
      lastSettledAt = now;
    }
    return response ?? { batchItemFailures: [] };
  };
  const poller = new SqsEventSource({ sqs: backend.sqs, queueUrl: target.queueUrl, handler: measured, batchSize: 10, waitTimeSeconds: 1, concurrency: settings.pollers ?? EVENT_SOURCE_CONCURRENCY, onError: () => {} });
  await poller.start();

  const tickMs = 100;
  const perTick = settings.rate * (tickMs / 1000);
  const started = Date.now();
  let published = 0;
  let backlogPeak = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (Date.now() - started < settings.seconds * 1000) {
    const due = Math.floor(((Date.now() - started + tickMs) / 1000) * settings.rate) - published;
    for (let sent = 0; sent < Math.min(due, perTick * 2); sent += 10) {
      const size = Math.min(10, due - sent);
      const now = Date.now();
      const entries = Array.from({ length: size }, (_, j) => ({ Id: String(j), Message: makeChange(settings.firstChange + published + j, now), MessageAttributes: { type: { DataType: 'String', StringValue: TYPE_NAME } } }));
      published += size;
      const call = backend.sns.send(new PublishBatchCommand({ TopicArn: target.topicArn, PublishBatchRequestEntries: entries })).finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    backlogPeak = Math.max(backlogPeak, published - settled);
    await sleep(tickMs);
  }
  await Promise.all(inFlight);
  const drainDeadline = Date.now() + 60_000;
  while (settled < published && Date.now() < drainDeadline) {
    backlogPeak = Math.max(backlogPeak, published - settled);
    await sleep(100);
  }
  await poller.stop();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => quantile(sorted, q) ?? Number.NaN;
  return { kind, published, settled, achievedRate: settled / (Math.max(lastSettledAt - started, settings.seconds * 1000) / 1000), backlogPeak, p50Ms: at(0.5), p99Ms: at(0.99), failedDeliveries };
}

async function countMessages(backend: BenchBackend, queueUrl: string): Promise<number> {
  const { Attributes } = await backend.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(Attributes?.['ApproximateNumberOfMessages'] ?? 0) + Number(Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0);
}

export function applyHandlerOn(stack: BenchStack, backend: BenchBackend, dlqUrl: string): SqsFunction {
  return createApplyHandler(stack.config, {
    env: {
      FRESHINDEX_INDEX_TABLE: stack.runtime.settings.indexTable,
      FRESHINDEX_CONTROL_TABLE: stack.runtime.settings.controlTable,
      FRESHINDEX_APPLY_DLQ_URL: dlqUrl,
      FRESHINDEX_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    },
    runtime: stack.runtime,
    sqs: backend.sqs,
    logger: new Logger({ serviceName: 'soak', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'soak', serviceName: 'soak' }),
  });
}

const signedMs = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(0)} ms`;
const spread = (values: readonly number[], format: (value: number) => string) => `${format(Math.min(...values))}–${format(Math.max(...values))}`;

/** Runs the soak and prints its figures. */
export async function benchSoak(settings: SoakSettings = settingsFromEnv()): Promise<WindowResult[]> {
  const backend = await startBenchBackend();
  try {
    const stack = await backend.freshStack('soak');
    const fresh = await createTopology(backend, 'fi');
    const bare = await createTopology(backend, 'bare');
    const handlers = {
      freshindex: { topicArn: fresh.topicArn, queueUrl: fresh.queueUrl, handler: applyHandlerOn(stack, backend, fresh.dlqUrl) },
      baseline: { topicArn: bare.topicArn, queueUrl: bare.queueUrl, handler: (async () => ({ batchItemFailures: [] })) as SqsFunction },
    };
    const windowSeconds = settings.seconds / settings.windows;
    console.log(
      `soak: ${settings.rate} changes/s, ${settings.windows} windows of ${windowSeconds.toFixed(0)} s each side (freshindex ${settings.seconds} s in all), ` +
        `event source: batch 10 × ${EVENT_SOURCE_CONCURRENCY} pollers, maxReceiveCount ${MAX_RECEIVE_COUNT}`,
    );
    const results: WindowResult[] = [];
    let firstChange = 0;
    for (let window = 0; window < settings.windows; window += 1) {
      // Alternate who goes first, so a busy neighbour slows both alike.
      const order: Array<WindowResult['kind']> = window % 2 === 0 ? ['baseline', 'freshindex'] : ['freshindex', 'baseline'];
      for (const kind of order) {
        const result = await runWindow(backend, kind, handlers[kind], { rate: settings.rate, seconds: windowSeconds, firstChange });
        firstChange += result.published;
        results.push(result);
        console.log(
          `  window ${window + 1} ${kind.padEnd(10)} published ${count(result.published)}, settled ${count(result.settled)}, ${count(Math.round(result.achievedRate))}/s, ` +
            `backlog peak ${count(result.backlogPeak)}, p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, failed deliveries ${count(result.failedDeliveries)}`,
        );
      }
    }
    const deadLetters = await countMessages(backend, fresh.dlqUrl);
    const left = await countMessages(backend, fresh.queueUrl);
    const of = (kind: WindowResult['kind']) => results.filter((result) => result.kind === kind);
    const rows = (['freshindex', 'baseline'] as const).map((kind) => {
      const windows = of(kind);
      const pick = (field: 'achievedRate' | 'backlogPeak' | 'p50Ms' | 'p99Ms') => windows.map((window) => window[field]);
      const fmt = (value: number) => value.toFixed(0);
      return [
        kind,
        `${fmt(median(pick('achievedRate')))} (${spread(pick('achievedRate'), fmt)})`,
        `${fmt(Math.max(...pick('backlogPeak')))}`,
        `${fmt(median(pick('p50Ms')))} (${spread(pick('p50Ms'), fmt)})`,
        `${fmt(median(pick('p99Ms')))} (${spread(pick('p99Ms'), fmt)})`,
      ];
    });
    console.log(formatTable(['path', 'settled/s median (min–max)', 'backlog peak', 'p50 ms', 'p99 ms'], rows));
    const pairs = of('freshindex').map((window, i) => ({ fresh: window, bare: of('baseline')[i] as WindowResult }));
    const ratios = (field: 'achievedRate' | 'p50Ms' | 'p99Ms') => pairs.map(({ fresh: f, bare: b }) => f[field] / b[field]);
    const fmtRatio = (value: number) => ratio(value, 1);
    console.log(
      `  freshindex vs transport alone, per window pair: rate ${fmtRatio(median(ratios('achievedRate')))} (${spread(ratios('achievedRate'), fmtRatio)}), ` +
        `p50 ${fmtRatio(median(ratios('p50Ms')))} (${spread(ratios('p50Ms'), fmtRatio)}), p99 ${fmtRatio(median(ratios('p99Ms')))} (${spread(ratios('p99Ms'), fmtRatio)}); ` +
        `added p50 ${signedMs(median(pairs.map((p) => p.fresh.p50Ms - p.bare.p50Ms)))}, p99 ${signedMs(median(pairs.map((p) => p.fresh.p99Ms - p.bare.p99Ms)))}`,
    );
    const published = of('freshindex').reduce((sum, window) => sum + window.published, 0);
    const settledAll = of('freshindex').reduce((sum, window) => sum + window.settled, 0);
    const failedAll = of('freshindex').reduce((sum, window) => sum + window.failedDeliveries, 0);
    console.log(`  freshindex: ${count(published)} published, ${count(settledAll)} settled, ${count(failedAll)} failed deliveries (redelivered), ${count(deadLetters)} dead-lettered, ${count(left)} still queued`);
    return results;
  } finally {
    await backend.stop();
  }
}
