/**
 * Where the freshness benchmark's publish → visible time goes (`FRESHINDEX_FRESHNESS_STAGES=1`).
 * Each record is split at the timestamps SQS itself stamps (fauxqs: `SentTimestamp` when the
 * message is enqueued, `ApproximateFirstReceiveTimestamp` when a ReceiveMessage takes it) and at
 * the handler's start and end; the event loop's delay is sampled alongside, since the emulators,
 * the handler and the publisher share one Node process.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SqsFunction } from '../../lambdas/local/event-source.ts';
import type { Tallies } from './api-calls.ts';
import { formatTable, quantile } from './table.ts';

/** The stages of one path, in order; each is milliseconds per record. */
export const STAGES = {
  publish: 'publish → enqueued (SNS Publish + fan-out, or SendMessage)',
  queue: 'enqueued → received (in the queue until a ReceiveMessage takes it)',
  toHandler: 'received → handler start (response, batch filling, waiting for the poller)',
  handler: 'handler (parse, collapse, pointer, conditional write, report)',
} as const;

export type Stage = keyof typeof STAGES;

/** Per-stage samples of one path, and its event-loop delay. */
export class StageRecorder {
  readonly samples = new Map<Stage, number[]>();
  private loop: ReturnType<typeof monitorEventLoopDelay> | undefined;
  readonly loopP99Ms: number[] = [];
  /** The process's CPU time (user + system) per window, and when the window started. */
  readonly cpuMs: number[] = [];
  private cpuAtStart: NodeJS.CpuUsage | undefined;
  /** API calls by `"<service> <operation>"`, all windows. */
  readonly calls = new Map<string, number>();
  /** Records per invocation of the wrapped function. */
  readonly batchSizes: number[] = [];

  /** Adds a window's API calls (from `ApiCallCounter.take()`). */
  addCalls(tallies: Tallies): void {
    for (const [operation, tally] of tallies) this.calls.set(operation, (this.calls.get(operation) ?? 0) + tally.calls);
  }

  add(stage: Stage, ms: number): void {
    const list = this.samples.get(stage) ?? [];
    list.push(ms);
    this.samples.set(stage, list);
  }

  /** Records a received SQS message's publish and queue stages from its system attributes. */
  addReceived(publishedAt: number, attributes: Record<string, string | undefined>): number {
    const sent = Number(attributes['SentTimestamp']);
    const received = Number(attributes['ApproximateFirstReceiveTimestamp']);
    this.add('publish', sent - publishedAt);
    this.add('queue', received - sent);
    return received;
  }

  startWindow(): void {
    this.loop = monitorEventLoopDelay({ resolution: 5 });
    this.loop.enable();
    this.cpuAtStart = process.cpuUsage();
  }

  endWindow(): void {
    if (!this.loop) return;
    this.loop.disable();
    this.loopP99Ms.push(this.loop.percentile(99) / 1e6);
    const cpu = process.cpuUsage(this.cpuAtStart);
    this.cpuMs.push((cpu.user + cpu.system) / 1000);
    this.loop = undefined;
  }

  /** Wraps an SQS function to record the stages of every record it is given. */
  wrap(handler: SqsFunction): SqsFunction {
    return async (event: SQSEvent, context) => {
      const start = Date.now();
      this.batchSizes.push(event.Records.length);
      const received = event.Records.map((record) => {
        const change = JSON.parse((JSON.parse(record.body) as { Message: string }).Message) as { doc: { publishedAt: number } };
        return this.addReceived(change.doc.publishedAt, record.attributes as unknown as Record<string, string | undefined>);
      });
      const response = (await handler(event, context)) as SQSBatchResponse | undefined;
      const end = Date.now();
      for (const at of received) {
        this.add('toHandler', start - at);
        this.add('handler', end - start);
      }
      return response;
    };
  }
}

/** One table: each stage's p50 / p99 per path, then the event loop's p99 delay per window. */
export function formatStages(rate: number, paths: ReadonlyArray<{ name: string; recorder: StageRecorder }>): string {
  const cell = (values: readonly number[] | undefined) => {
    if (!values || values.length === 0) return '—';
    const sorted = [...values].sort((a, b) => a - b);
    return `${(quantile(sorted, 0.5) as number).toFixed(0)} / ${(quantile(sorted, 0.99) as number).toFixed(0)}`;
  };
  const rows = (Object.keys(STAGES) as Stage[]).map((stage) => [STAGES[stage], ...paths.map(({ recorder }) => cell(recorder.samples.get(stage)))]);
  const perChange = (recorder: StageRecorder) => recorder.cpuMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, recorder.samples.get('publish')?.length ?? 0);
  rows.push(['process CPU per change (ms, all windows)', ...paths.map(({ recorder }) => perChange(recorder).toFixed(2))]);
  const changes = (recorder: StageRecorder) => Math.max(1, recorder.samples.get('publish')?.length ?? 0);
  const operations = [...new Set(paths.flatMap(({ recorder }) => [...recorder.calls.keys()]))].sort();
  for (const operation of operations) {
    rows.push([`${operation} calls per change`, ...paths.map(({ recorder }) => ((recorder.calls.get(operation) ?? 0) / changes(recorder)).toFixed(3))]);
  }
  const meanBatch = (recorder: StageRecorder) => (recorder.batchSizes.length === 0 ? '—' : (recorder.batchSizes.reduce((sum, size) => sum + size, 0) / recorder.batchSizes.length).toFixed(1));
  rows.push(['records per invocation (mean)', ...paths.map(({ recorder }) => meanBatch(recorder))]);
  rows.push(['event-loop delay p99 per window (ms)', ...paths.map(({ recorder }) => recorder.loopP99Ms.map((ms) => ms.toFixed(0)).join(', '))]);
  return `  stages at ${rate}/s, p50 / p99 ms:\n${formatTable(['stage', ...paths.map(({ name }) => name)], rows, '    ')}`;
}
