/**
 * A local stand-in for Lambda's SQS event source mapping (see docs/local.md): pollers fill
 * batches from a queue, invoke a handler with a Lambda-shaped `SQSEvent`, delete what succeeded
 * and leave the rest to the queue (visibility timeout, then its RedrivePolicy).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import pRetry from 'p-retry';
import { z } from 'zod';
import { createLambdaContext } from './lambda-context.ts';
import { readBatchResponse, toSqsEvent, type BatchOutcome, type RecordOrigin } from './sqs-event.ts';

/** A function as the event source mapping sees it: an SQS-triggered Lambda handler. */
export type SqsFunction = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined>;

/** Lambda stops filling a batch at a 6 MB payload; we stop a little earlier, leaving room for one more receive. */
const MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;

/** The settings of an event source mapping that local runs honour. */
export const eventSourceSettingsSchema = z
  .object({
    /** Records per invocation at most (Lambda: 1..10,000; above 10 the batching window must be >= 1 s). */
    batchSize: z.number().int().min(1).max(10_000).default(10),
    /** How long to keep filling a batch after its first record (Lambda: 0..300 s). */
    maxBatchingWindowMs: z.number().int().min(0).max(300_000).default(0),
    /** Long polling of each ReceiveMessage call (0..20 s). */
    waitTimeSeconds: z.number().int().min(0).max(20).default(20),
    /** Overrides the queue's visibility timeout; by default the queue's own applies, as in Lambda. */
    visibilityTimeoutSeconds: z.number().int().min(0).max(43_200).optional(),
    /**
     * Parallel pollers, and the invocations running at once: a batch a poller filled runs as soon
     * as any of them is free, not only once its own poller's last invocation ended.
     */
    concurrency: z.number().int().min(1).max(100).default(1),
    /** Honour `{ batchItemFailures }` answers (the mapping's ReportBatchItemFailures). */
    reportBatchItemFailures: z.boolean().default(true),
    functionName: z.string().min(1).default('local-function'),
    /** The function's timeout, reported by `context.getRemainingTimeInMillis()`. */
    functionTimeoutMs: z.number().int().positive().default(30_000),
  })
  .strict()
  .refine((settings) => settings.batchSize <= 10 || settings.maxBatchingWindowMs >= 1000, {
    message: 'a batchSize above 10 needs maxBatchingWindowMs >= 1000 (as Lambda requires)',
    path: ['maxBatchingWindowMs'],
  });

export type EventSourceSettings = z.input<typeof eventSourceSettingsSchema>;

/** Where a problem happened: a start-up warning, polling, the function itself, or deleting what succeeded. */
export type EventSourceStage = 'start' | 'receive' | 'invoke' | 'delete';

/** Everything the event source needs. */
export interface SqsEventSourceOptions extends EventSourceSettings {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsFunction;
  /** Default: read from the queue (GetQueueAttributes). */
  queueArn?: string;
  /** Default: the SQS client's region. */
  region?: string;
  /** Called on every failure; default: one line on stderr. Failed records are never lost: the queue redelivers them. */
  onError?: (error: unknown, stage: EventSourceStage) => void;
  /** Called after each invocation's batch is settled (logs, tests, progress). */
  onBatch?: (report: BatchReport) => void;
}

/** How one invocation ended. */
export interface BatchReport {
  size: number;
  succeeded: number;
  failed: number;
  /** Set when the whole batch failed: the thrown error or the malformed answer. */
  error?: string;
}

/** Counters since start (messages, not batches, except `invocations`). */
export interface EventSourceStats {
  received: number;
  succeeded: number;
  failed: number;
  invocations: number;
  /** Records handed to the function and not yet settled. */
  inFlight: number;
  pollErrors: number;
  /** Succeeded records whose delete failed: they will be delivered again. */
  deleteErrors: number;
}

/**
 * Polls one SQS queue like Lambda's event source mapping.
 *
 * @example
 * const source = new SqsEventSource({ sqs, queueUrl, handler: createApplyHandler(config), batchSize: 100, maxBatchingWindowMs: 1000 });
 * await source.start();
 * // ...
 * await source.stop(); // waits for batches in flight
 */
export class SqsEventSource {
  private readonly settings: z.output<typeof eventSourceSettingsSchema>;
  private readonly counters: EventSourceStats = { received: 0, succeeded: 0, failed: 0, invocations: 0, inFlight: 0, pollErrors: 0, deleteErrors: 0 };
  private readonly abort = new AbortController();
  private pollers: Promise<void>[] = [];
  /** Invocations running (at most `concurrency`). */
  private readonly running = new Set<Promise<void>>();
  /** Batches whose function returned, being deleted and counted. */
  private readonly settling = new Set<Promise<void>>();
  private origin: RecordOrigin | undefined;

  constructor(private readonly options: SqsEventSourceOptions) {
    const { sqs: _sqs, queueUrl: _url, handler: _handler, queueArn: _arn, region: _region, onError: _onError, onBatch: _onBatch, ...settings } = options;
    this.settings = eventSourceSettingsSchema.parse(settings);
  }

  /** Resolves the queue's ARN and region, then starts the pollers. */
  async start(): Promise<void> {
    if (this.origin) throw new Error('event source already started');
    const queue = await this.readQueueAttributes();
    const region = this.options.region ?? (await this.options.sqs.config.region());
    this.origin = { queueArn: this.options.queueArn ?? queue.arn, region };
    const visibilityMs = (this.settings.visibilityTimeoutSeconds ?? queue.visibilityTimeoutSeconds) * 1000;
    if (visibilityMs < this.settings.functionTimeoutMs + this.settings.maxBatchingWindowMs) {
      // Lambda refuses a visibility timeout below the function timeout; AWS advises 6x. Locally we only warn.
      this.report(
        new Error(`queue visibility timeout (${visibilityMs} ms) is below function timeout + batching window: records may be delivered twice while in flight`),
        'start',
      );
    }
    this.pollers = Array.from({ length: this.settings.concurrency }, () => this.poll());
  }

  /**
   * Stops polling: pending long polls are cancelled, a batch being filled is invoked with what it
   * holds, and every batch in flight is finished and settled before this resolves.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.pollers);
    await Promise.all(this.running);
    await Promise.all(this.settling);
  }

  /** A snapshot of the counters. */
  stats(): EventSourceStats {
    return { ...this.counters };
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * Fills a batch, then fills the next one while the function runs it, as Lambda's pollers do:
   * a record arriving during an invocation waits for a free invocation, not for a receive after
   * it, and not for this poller's own invocation when another one is free. The records that
   * succeeded are deleted meanwhile too: the next batch does not wait for the last one's delete.
   */
  private async poll(): Promise<void> {
    let consecutiveErrors = 0;
    let next: Promise<Message[]> | undefined;
    while (!this.stopping || next) {
      try {
        const batch = await (next ?? this.fillBatch());
        next = undefined;
        consecutiveErrors = 0;
        if (batch.length === 0) continue;
        await this.startInvocation(batch);
        if (!this.stopping) next = this.prefill();
      } catch (error) {
        next = undefined;
        if (this.stopping) break;
        this.counters.pollErrors += 1;
        consecutiveErrors += 1;
        this.report(error, 'receive');
        await this.pause(Math.min(5_000, 100 * 2 ** consecutiveErrors));
      }
    }
  }

  /** Waits for a free invocation (at most `concurrency` run at once), then starts one with `batch`. */
  private async startInvocation(batch: Message[]): Promise<void> {
    while (this.running.size >= this.settings.concurrency) await Promise.race(this.running);
    const invocation: Promise<void> = this.invoke(batch)
      .catch((error: unknown) => this.report(error, 'invoke'))
      .finally(() => this.running.delete(invocation));
    this.running.add(invocation);
  }

  /** The next batch, filled in the background; its failure surfaces when the poller takes it. */
  private prefill(): Promise<Message[]> {
    const filling = this.fillBatch();
    filling.catch(() => {});
    return filling;
  }

  /** Receives until the batch is full, its window has passed, its payload is large, or we stop. */
  private async fillBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowMs, waitTimeSeconds } = this.settings;
    // By message id: a message whose visibility timeout ran out while the window was open comes
    // back with a new receipt handle; the function sees it once, and the newest handle deletes it.
    const batch = new Map<string, Message>();
    let bytes = 0;
    let deadline: number | undefined;
    while (!this.stopping && batch.size < batchSize && bytes < MAX_PAYLOAD_BYTES) {
      const remaining = deadline === undefined ? undefined : deadline - Date.now();
      if (remaining !== undefined && remaining <= 0) break;
      const wait = remaining === undefined ? waitTimeSeconds : Math.min(waitTimeSeconds, Math.floor(remaining / 1000));
      const messages = await this.receive(Math.min(10, batchSize - batch.size), wait);
      for (const message of messages) {
        if (!batch.has(message.MessageId as string)) bytes += Buffer.byteLength(message.Body ?? '');
        batch.set(message.MessageId as string, message);
      }
      if (batch.size > 0 && deadline === undefined) deadline = Date.now() + maxBatchingWindowMs;
      if (batch.size > 0 && maxBatchingWindowMs === 0) break;
      // Below a second of window left, long polling would overshoot it: short-poll instead.
      if (messages.length === 0 && wait === 0 && remaining !== undefined) await this.pause(Math.min(remaining, 50));
    }
    return [...batch.values()];
  }

  private async receive(max: number, waitTimeSeconds: number): Promise<Message[]> {
    try {
      const output = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitTimeSeconds,
          VisibilityTimeout: this.settings.visibilityTimeoutSeconds,
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.abort.signal },
      );
      return output.Messages ?? [];
    } catch (error) {
      // A long poll cancelled by stop() is not a failure.
      if (this.stopping) return [];
      throw error;
    }
  }

  private async invoke(batch: Message[]): Promise<void> {
    const origin = this.origin as RecordOrigin;
    this.counters.received += batch.length;
    this.counters.invocations += 1;
    this.counters.inFlight += batch.length;
    const context = createLambdaContext({ functionName: this.settings.functionName, timeoutMs: this.settings.functionTimeoutMs, region: origin.region });
    let outcome: BatchOutcome;
    try {
      const response = await this.options.handler(toSqsEvent(batch, origin), context);
      const ids = new Set(batch.map((message) => message.MessageId as string));
      outcome = readBatchResponse(response, ids, this.settings.reportBatchItemFailures);
      if (outcome.kind === 'all-failed') this.report(new Error(`invalid batch response, whole batch failed: ${outcome.reason}`), 'invoke');
    } catch (error) {
      this.report(error, 'invoke');
      outcome = { kind: 'all-failed', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    const settled = this.settle(batch, outcome)
      .catch((error: unknown) => this.report(error, 'delete'))
      .finally(() => this.settling.delete(settled));
    this.settling.add(settled);
  }

  /** Deletes what succeeded and counts the batch; `stop()` waits for it. */
  private async settle(batch: Message[], outcome: BatchOutcome): Promise<void> {
    const succeeded = batch.filter((message) => isSuccess(outcome, message.MessageId as string));
    await this.deleteMessages(succeeded);
    const failed = batch.length - succeeded.length;
    this.counters.inFlight -= batch.length;
    this.counters.succeeded += succeeded.length;
    this.counters.failed += failed;
    this.options.onBatch?.({ size: batch.length, succeeded: succeeded.length, failed, ...(outcome.kind === 'all-failed' ? { error: outcome.reason } : {}) });
  }

  /** Deletes in chunks of 10; a record whose delete fails is delivered again (at least once, as in Lambda). */
  private async deleteMessages(messages: readonly Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      try {
        const output = await pRetry(
          () =>
            this.options.sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl: this.options.queueUrl,
                Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
              }),
            ),
          { retries: 3, minTimeout: 50, maxTimeout: 1_000 },
        );
        for (const failure of output.Failed ?? []) {
          this.counters.deleteErrors += 1;
          this.report(new Error(`DeleteMessageBatch entry ${failure.Id} failed: ${failure.Code} ${failure.Message ?? ''}`.trim()), 'delete');
        }
      } catch (error) {
        this.counters.deleteErrors += chunk.length;
        this.report(error, 'delete');
      }
    }
  }

  private async readQueueAttributes(): Promise<{ arn: string; visibilityTimeoutSeconds: number }> {
    const output = await this.options.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
    );
    const arn = output.Attributes?.['QueueArn'];
    if (!arn) throw new Error(`queue ${this.options.queueUrl} reported no QueueArn`);
    return { arn, visibilityTimeoutSeconds: Number(output.Attributes?.['VisibilityTimeout'] ?? 30) };
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
    } catch {
      // stop() interrupted the pause
    }
  }

  private report(error: unknown, stage: EventSourceStage): void {
    if (this.options.onError) {
      this.options.onError(error, stage);
      return;
    }
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`[event-source ${this.settings.functionName}] ${stage} failed: ${text}\n`);
  }
}

function isSuccess(outcome: BatchOutcome, messageId: string): boolean {
  if (outcome.kind === 'all-succeeded') return true;
  if (outcome.kind === 'all-failed') return false;
  return !outcome.failed.has(messageId);
}
