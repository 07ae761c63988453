/**
 * The measured runs: a workload's edits delivered to each handler under test as Lambda would, in
 * invocations of its batch size, one after the other (one warm instance per handler), with its CMS
 * updated just before each invocation (a notification follows its edit). Timed around the handler
 * only. The handlers take turns every `slice` edits, so a noisy neighbour on a shared machine
 * slows them all alike and the ratios between them hold.
 */
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Runtime } from '../../lambdas/adapters/compose/index.ts';
import { createApplyHandler } from '../../lambdas/handlers/apply.ts';
import { createLambdaContext } from '../../lambdas/local/lambda-context.ts';
import { toSqsEvent } from '../../lambdas/local/sqs-event.ts';
import { mergeTallies, type Tallies } from './api-calls.ts';
import type { BenchBackend, BenchStack } from './harness.ts';
import { createCompetentHandler } from './competent-handler.ts';
import { createNaiveHandler } from './naive-handler.ts';
import { transformVideo, TYPE_NAME, type Edit } from './workload.ts';

export type Implementation = 'freshindex' | 'naive' | 'competent';

export interface ScenarioSpec {
  label: string;
  implementation: Implementation;
  batchSize: number;
}

/** What one run measured. */
export interface ScenarioResult extends ScenarioSpec {
  changes: number;
  invocations: number;
  /** Handler time, summed over invocations (ms). */
  handlerMs: number;
  /** Lambda's billed duration: each invocation rounded up to the millisecond, summed (ms). */
  billedMs: number;
  /** AWS calls made by the handler. */
  handlerCalls: Tallies;
  /** HTTP requests to the source. */
  sourceRequests: number;
  /** Records reported as batch item failures (0 in a healthy run). */
  failures: number;
  /** Distinct resources the run touched, all checked against their last edit afterwards. */
  resources: number;
  /** Tombstones whose version is below their delete's (see `verifyIndex`). */
  lowTombstones: number;
  /** The tables and CMS the run wrote, holding its final state (for the verify pass). */
  stack: BenchStack;
}

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

const ORIGIN = { queueArn: 'arn:aws:sqs:us-east-1:000000000000:freshindex-apply', region: 'us-east-1' };

/** Builds the handler under test on `stack`. */
export function buildHandler(backend: BenchBackend, stack: BenchStack, implementation: Implementation): Handler {
  if (implementation === 'naive') return createNaiveHandler(stack.runtime, backend.dynamodb);
  if (implementation === 'competent') return createCompetentHandler(stack.runtime);
  const handler = createApplyHandler(stack.config, {
    env: {
      FRESHINDEX_INDEX_TABLE: stack.runtime.settings.indexTable,
      FRESHINDEX_CONTROL_TABLE: stack.runtime.settings.controlTable,
      FRESHINDEX_APPLY_DLQ_URL: 'http://127.0.0.1:1/000000000000/never-used-dlq',
      FRESHINDEX_MAX_RECEIVE_COUNT: '5',
    },
    runtime: stack.runtime,
    sqs: backend.sqs,
    logger: new Logger({ serviceName: 'bench-apply', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'bench', serviceName: 'bench-apply' }),
  });
  const context = createLambdaContext({ functionName: 'freshindex-apply', timeoutMs: 60_000, region: ORIGIN.region });
  return (event) => handler(event, context);
}

interface Running {
  spec: ScenarioSpec;
  stack: BenchStack;
  handler: Handler;
  handlerMs: number;
  billedMs: number;
  invocations: number;
  failures: number;
  calls: Tallies[];
  sourceRequests: number;
}

/**
 * Runs `edits` through every scenario, each on fresh tables and its own CMS, taking turns every
 * `slice` edits (a multiple of every batch size); then checks every index ends right.
 */
export async function runScenarios(backend: BenchBackend, specs: readonly ScenarioSpec[], edits: readonly Edit[], slice = 100): Promise<ScenarioResult[]> {
  const runs: Running[] = [];
  for (const spec of specs) {
    if (slice % spec.batchSize !== 0) throw new Error(`slice ${slice} is not a multiple of batch size ${spec.batchSize}`);
    const stack = await backend.freshStack(spec.implementation);
    runs.push({ spec, stack, handler: buildHandler(backend, stack, spec.implementation), handlerMs: 0, billedMs: 0, invocations: 0, failures: 0, calls: [], sourceRequests: 0 });
  }
  backend.calls.take();
  for (let start = 0, turn = 0; start < edits.length; start += slice, turn += 1) {
    const part = edits.slice(start, start + slice);
    // Rotate who goes first, so none always runs right after another's burst of writes.
    for (let k = 0; k < runs.length; k += 1) {
      const run = runs[(turn + k) % runs.length] as Running;
      await runSlice(run, part, start);
      run.calls.push(backend.calls.take());
      run.sourceRequests += run.stack.takeSourceRequests();
    }
  }
  const results: ScenarioResult[] = [];
  for (const run of runs) {
    const lowTombstones = await verifyIndex(run.stack.runtime, edits, run.spec.label);
    backend.calls.take();
    results.push({
      ...run.spec,
      changes: edits.length,
      invocations: run.invocations,
      handlerMs: run.handlerMs,
      billedMs: run.billedMs,
      handlerCalls: mergeTallies(...run.calls),
      sourceRequests: run.sourceRequests,
      failures: run.failures,
      resources: new Set(edits.map((edit) => edit.id)).size,
      lowTombstones,
      stack: run.stack,
    });
  }
  return results;
}

async function runSlice(run: Running, part: readonly Edit[], offset: number): Promise<void> {
  const { batchSize } = run.spec;
  for (let start = 0; start < part.length; start += batchSize) {
    const batch = part.slice(start, start + batchSize);
    for (const edit of batch) {
      if (edit.doc) run.stack.cms.docs.set(edit.id, edit.doc);
      else run.stack.cms.docs.delete(edit.id);
    }
    const event = toSqsEvent(batch.map((edit, index) => toMessage(edit, offset + start + index)), ORIGIN);
    const began = performance.now();
    const response = await run.handler(event);
    const elapsed = performance.now() - began;
    run.handlerMs += elapsed;
    run.billedMs += Math.ceil(elapsed);
    run.invocations += 1;
    run.failures += response.batchItemFailures.length;
  }
}

/** A received SQS message as raw delivery from the change topic leaves it. */
function toMessage(edit: Edit, sequence: number): Message {
  const body = JSON.stringify(edit.event);
  return {
    MessageId: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    ReceiptHandle: `receipt-${sequence}`,
    Body: body,
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
    MessageAttributes: { type: { DataType: 'String', StringValue: edit.event.type } },
  };
}

/**
 * Fails the benchmark if the index does not hold the last edit of every resource: the record of
 * the last upsert, or a tombstone after a delete. Returns how many tombstones carry a lower version
 * than their delete (a delete collapsed with a source read is tombstoned at the stored version).
 */
async function verifyIndex(runtime: Runtime, edits: readonly Edit[], label: string): Promise<number> {
  const last = new Map(edits.map((edit) => [edit.id, edit]));
  const pointer = await runtime.pointers.get(TYPE_NAME);
  const stored = await runtime.records.getRecords(TYPE_NAME, pointer.active, [...last.keys()]);
  const wrong: string[] = [];
  let lowTombstones = 0;
  for (const [id, edit] of last) {
    const record = stored.get(id);
    const ok = edit.doc
      ? record !== undefined && !record.deleted && record.version === edit.version && isDeepStrictEqual(record.record, transformVideo(edit.doc))
      : record !== undefined && record.deleted && record.version <= edit.version;
    if (!ok) wrong.push(id);
    else if (!edit.doc && record && record.version < edit.version) lowTombstones += 1;
  }
  if (wrong.length > 0) {
    throw new Error(`${label}: the index is wrong for ${wrong.length} of ${last.size} resources after the run (e.g. ${wrong.slice(0, 5).join(', ')})`);
  }
  return lowTombstones;
}
