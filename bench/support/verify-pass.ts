/**
 * The verify pipeline over a workload's edits, as it runs since the verify queue has no
 * subscription: the apply function's SendMessageBatch of each batch's checks (one per distinct
 * resource), a real verify queue, the local event source reading it, and the real verify handler
 * on a stack whose index and CMS already hold the edits, with every AWS call, source request and
 * millisecond counted.
 */
import { performance } from 'node:perf_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dueChecks } from '../../lambdas/core/verify/due.ts';
import type { SqsFunction } from '../../lambdas/local/event-source.ts';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { SqsCheckScheduler } from '../../lambdas/adapters/sqs/check-scheduler.ts';
import { createVerifyHandler, verifyDeps } from '../../lambdas/handlers/verify.ts';
import { createLambdaContext } from '../../lambdas/local/lambda-context.ts';
import type { SqsHandler } from '../../lambdas/handlers/apply.ts';
import { mergeTallies, type Tallies } from './api-calls.ts';
import type { BenchBackend, BenchStack } from './harness.ts';
import { benchEventSource } from './transport.ts';
import type { Edit } from './workload.ts';

/** The real verify handler on `stack`, with its own verify queue and dead-letter queue. */
export async function buildVerifyHandler(backend: BenchBackend, stack: BenchStack): Promise<(event: SQSEvent) => ReturnType<SqsHandler>> {
  const { runtime } = stack;
  process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
  const queue = async (name: string) => (await backend.sqs.send(new CreateQueueCommand({ QueueName: `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` }))).QueueUrl as string;
  const verifyQueueUrl = await queue('bench-verify');
  const handler = createVerifyHandler(stack.config, {
    env: {
      FRESHINDEX_INDEX_TABLE: runtime.settings.indexTable,
      FRESHINDEX_CONTROL_TABLE: runtime.settings.controlTable,
      FRESHINDEX_VERIFY_QUEUE_URL: verifyQueueUrl,
      FRESHINDEX_VERIFY_DLQ_URL: await queue('bench-verify-dlq'),
    },
    // The stack's runtime: the same adapters the handler composes, with the source's requests counted.
    verify: { ...verifyDeps(runtime), scheduler: new SqsCheckScheduler(backend.sqs, verifyQueueUrl, runtime.clock) },
    sqs: backend.sqs,
    logger: new Logger({ serviceName: 'bench-verify', logLevel: 'SILENT' }),
  });
  const context = createLambdaContext({ functionName: 'bench-verify', timeoutMs: 60_000, region: 'us-east-1' });
  return (event) => handler(event, context);
}

/** A verify-queue message asking to check `id`, sent at `sentAt` (long enough ago to be due). */
export function verifyRecord(messageId: string, body: string, sentAt: number): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(sentAt), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(sentAt) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench-verify',
    awsRegion: 'us-east-1',
  };
}

/** What checking a workload's edits consumed. */
export interface VerifyPass {
  /** The changes (edits) the checks stand for. */
  changes: number;
  /** Checks scheduled and run: one per distinct resource of each apply batch. */
  checks: number;
  invocations: number;
  billedMs: number;
  /** The apply function's SendMessageBatch calls, the verify queue's receives and deletes, the handler's calls (reads, repairs, re-check schedules). */
  calls: Tallies;
  sourceRequests: number;
  /** The apply function's sends per apply invocation, mean ms (concurrent with its writes). */
  sendMsPerApplyInvocation: number;
}

/**
 * Schedules the checks of `edits` as the apply function does, `applyBatchSize` edits per apply
 * invocation (long enough ago to be due), then lets the local event source read the verify queue
 * into the verify handler, `batchSize` per invocation, after the apply run: the index and the CMS
 * hold the last edit of every resource.
 */
export async function runVerifyPass(backend: BenchBackend, stack: BenchStack, edits: readonly Edit[], applyBatchSize: number, batchSize: number): Promise<VerifyPass> {
  const handler = await buildVerifyHandler(backend, stack);
  const queueUrl = (await backend.sqs.send(new CreateQueueCommand({ QueueName: `bench-checks-${Date.now()}`, Attributes: { VisibilityTimeout: '60' } }))).QueueUrl as string;
  const scheduler = new SqsCheckScheduler(backend.sqs, queueUrl, stack.runtime.clock);
  const settle = (type: string) => stack.runtime.types.get(type)?.config.settleDelaySeconds;
  const due = Date.now() - 3_600_000;
  backend.calls.take();
  stack.takeSourceRequests();
  let checks = 0;
  let sendMs = 0;
  for (let start = 0; start < edits.length; start += applyBatchSize) {
    const received = edits.slice(start, start + applyBatchSize).map((edit, index) => ({ key: `m-${start + index}`, change: edit.event, sentAt: due }));
    const requests = dueChecks(received, settle).map(({ request }) => request);
    const began = performance.now();
    const unscheduled = await scheduler.scheduleAll(requests);
    sendMs += performance.now() - began;
    if (unscheduled.length > 0) throw new Error(`verify pass: ${unscheduled.length} checks not scheduled: ${unscheduled[0]?.reason}`);
    checks += requests.length;
  }
  const sent = backend.calls.take();
  let billedMs = 0;
  const timed: SqsFunction = async (event) => {
    const began = performance.now();
    const response = await handler(event);
    billedMs += Math.ceil(performance.now() - began);
    return response;
  };
  const source = benchEventSource(backend.sqs, queueUrl, timed, batchSize);
  await source.start();
  backend.calls.take(); // the start-up GetQueueAttributes is per poller, not per change
  const deadline = Date.now() + 120_000;
  while (source.stats().succeeded < checks) {
    if (Date.now() > deadline) throw new Error(`verify pass: only ${source.stats().succeeded} of ${checks} checks run in 120 s`);
    await sleep(10);
  }
  const { invocations } = source.stats();
  const calls = mergeTallies(sent, backend.calls.take());
  await source.stop();
  backend.calls.take(); // the long poll cancelled by stop()
  const applyInvocations = Math.ceil(edits.length / applyBatchSize);
  return { changes: edits.length, checks, invocations, billedMs, calls, sourceRequests: stack.takeSourceRequests(), sendMsPerApplyInvocation: sendMs / applyInvocations };
}
