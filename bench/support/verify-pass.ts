/**
 * The verify pipeline over a workload's edits: the verify handler as the verify queue would
 * invoke it (every change, in batches, once it is due), on a stack whose index and CMS already
 * hold the edits, with every AWS call, source request and millisecond counted.
 */
import { performance } from 'node:perf_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { SqsCheckScheduler } from '../../lambdas/adapters/sqs/check-scheduler.ts';
import { createVerifyHandler, verifyDeps } from '../../lambdas/handlers/verify.ts';
import { createLambdaContext } from '../../lambdas/local/lambda-context.ts';
import type { SqsHandler } from '../../lambdas/handlers/apply.ts';
import type { Tallies } from './api-calls.ts';
import type { BenchBackend, BenchStack } from './harness.ts';
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
  checks: number;
  invocations: number;
  billedMs: number;
  /** The handler's AWS calls (reads, repairs, re-check schedules). */
  calls: Tallies;
  sourceRequests: number;
}

/**
 * Checks every edit of `edits` as the verify queue delivers it (its change event, due), `batchSize`
 * per invocation, after the apply run: the index and the CMS hold the last edit of every resource.
 */
export async function runVerifyPass(backend: BenchBackend, stack: BenchStack, edits: readonly Edit[], batchSize: number): Promise<VerifyPass> {
  const handler = await buildVerifyHandler(backend, stack);
  const due = Date.now() - 3_600_000;
  backend.calls.take();
  stack.takeSourceRequests();
  let billedMs = 0;
  let invocations = 0;
  for (let start = 0; start < edits.length; start += batchSize) {
    const records = edits.slice(start, start + batchSize).map((edit, index) => verifyRecord(`check-${start + index}`, JSON.stringify(edit.event), due));
    const began = performance.now();
    await handler({ Records: records });
    billedMs += Math.ceil(performance.now() - began);
    invocations += 1;
  }
  return { checks: edits.length, invocations, billedMs, calls: backend.calls.take(), sourceRequests: stack.takeSourceRequests() };
}
