/**
 * A burst of changes through the real incremental path (SNS → SQS → the event-source poller →
 * the apply handler → DynamoDB, an HTTP CMS as the source) while a share of the DynamoDB calls
 * fail (see faults.ts), and the figures a user cares about afterwards: what was lost, what came
 * back from the dead, what was dead-lettered and whether each dead letter truly failed every
 * delivery. Used by test/integration/faults/apply-burst.test.ts and reusable by a benchmark.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import { isDeepStrictEqual } from 'node:util';
import { createDynamoClient } from '../../lambdas/adapters/compose/index.ts';
import { defineConfig } from '../../lambdas/core/config/index.ts';
import type { ChangeEvent } from '../../lambdas/core/events.ts';
import { initialPointer, nextPointer } from '../../lambdas/core/pointer.ts';
import { generateEdits, transformVideo, TYPE_NAME, type Edit } from '../../bench/support/workload.ts';
import type { AwsTestEnv } from './aws.ts';
import { cmsSource, startCmsServer } from './cms-server.ts';
import { injectDynamoFaults, type FaultKind, type FaultLayer } from './faults.ts';
import { startPipeline, type DeadLetter, type Pipeline } from './pipeline.ts';
import { seededRandom } from './random.ts';

/** The burst's size when `FRESHINDEX_FAULT_CHANGES` does not say. */
export const DEFAULT_FAULT_CHANGES = 5_000;

export interface FaultBurstOptions {
  /** Changes published. @default DEFAULT_FAULT_CHANGES */
  changes?: number;
  /** Distinct resources they touch. @default changes / 4 */
  resources?: number;
  layer: FaultLayer;
  /** Share of DynamoDB calls that fail. @default 0.2 */
  rate?: number;
  kinds?: readonly FaultKind[];
  /** The queue's maxReceiveCount. @default 5 (the deployed default) */
  maxReceiveCount?: number;
  /** Visibility timeout and function timeout, in seconds. @default 3 */
  visibilityTimeoutSeconds?: number;
  /** Pollers invoking the handler at once. @default 8 */
  concurrency?: number;
  seed?: number;
  /**
   * Runs the burst while a rebuild is building generation 2, so every change is also logged for
   * its catch-up (BatchWriteItem, with unprocessed items) and written to two generations.
   * @default true
   */
  duringRebuild?: boolean;
  /** Gives up waiting for the queue to drain after this long. @default 5 min */
  timeoutMs?: number;
}

/** What a burst ended with. */
export interface FaultBurstFigures {
  layer: FaultLayer;
  changes: number;
  resources: number;
  /** Messages the poller received (first deliveries and redeliveries). */
  deliveries: number;
  /** DynamoDB calls made, and faults injected by kind. */
  calls: number;
  injected: Record<FaultKind, number>;
  deadLetters: DeadLetter[];
  /** Dead letters whose change did not fail every delivery (a rejection, or fewer deliveries). */
  earlyDeadLetters: DeadLetter[];
  /** Resources not as their last edit left them, none of whose changes was dead-lettered. */
  lost: string[];
  /** Resources deleted at the source that the index serves again. */
  resurrected: string[];
  /** Changed resources missing from the building generation's catch-up log (its replay would miss them). */
  unlogged: string[];
  durationMs: number;
}

/** `FRESHINDEX_FAULT_CHANGES` from the environment, else the CI-sized default. */
export function faultChangesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['FRESHINDEX_FAULT_CHANGES'];
  const value = raw === undefined ? DEFAULT_FAULT_CHANGES : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`FRESHINDEX_FAULT_CHANGES must be a positive integer, got ${raw}`);
  return value;
}

/**
 * The edits of a burst: the benchmark workload's, a third of the upserts carrying no document
 * (read from the source). Deletes carry their version, as docs/change-events.md asks: a delete
 * without one can only be dated at the version the index holds, and an older upsert arriving
 * after it would bring the resource back (see docs/architecture.md).
 */
export function burstEvents(changes: number, resources: number, seed: number): Edit[] {
  const random = seededRandom(seed + 1);
  return generateEdits('doc', { changes, resources, burstShare: 0.5, recentWindow: 16, deleteShare: 0.1, seed }).map((edit) => {
    if (edit.event.op !== 'upsert' || random() >= 1 / 3) return edit;
    const event: ChangeEvent = { type: TYPE_NAME, id: edit.id, op: 'upsert' };
    return { ...edit, event };
  });
}

/** Runs one burst on `aws` and returns its figures. Creates its own tables, queues and CMS. */
export async function runFaultBurst(aws: AwsTestEnv, options: FaultBurstOptions): Promise<FaultBurstFigures> {
  const changes = options.changes ?? DEFAULT_FAULT_CHANGES;
  const resources = options.resources ?? Math.max(1, Math.floor(changes / 4));
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const edits = burstEvents(changes, resources, options.seed ?? 8);
  const cms = await startCmsServer();
  for (const edit of edits) {
    if (edit.doc) cms.docs.set(edit.id, edit.doc);
    else cms.docs.delete(edit.id);
  }
  const dynamodb = createDynamoClient(aws.clientConfig('dynamodb'));
  const config = defineConfig({
    types: [{ name: TYPE_NAME, source: cmsSource(cms, { timeoutMs: 2_000 }), transform: transformVideo, version: (doc) => doc['version'] as number }],
  });
  const pipeline = await startPipeline(aws, config, {
    dynamodb,
    maxReceiveCount,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 3,
    concurrency: options.concurrency ?? 8,
    rawDelivery: true,
  });
  if (options.duringRebuild ?? true) {
    const now = Date.now();
    await pipeline.runtime.pointerStore.swapPointer(undefined, nextPointer(initialPointer(TYPE_NAME, now), { building: { generation: 2, buildId: 'burst', startedAt: now }, nextGeneration: 3 }, now));
  }
  const faults = injectDynamoFaults(dynamodb, {
    rate: options.rate ?? 0.2,
    layer: options.layer,
    ...(options.kinds ? { kinds: options.kinds } : {}),
    random: seededRandom((options.seed ?? 8) + 2),
  });
  const started = Date.now();
  try {
    const limit = pLimit(8);
    const slices = Array.from({ length: Math.ceil(edits.length / 100) }, (_, i) => edits.slice(i * 100, i * 100 + 100).map((edit) => edit.event));
    await Promise.all(slices.map((slice) => limit(() => pipeline.publish(...slice))));
    const timeoutMs = options.timeoutMs ?? 300_000;
    await pipeline.until(() => pipeline.poller.stats().succeeded >= changes, timeoutMs);
    await pipeline.until(async () => (await queueDepth(aws, pipeline.queueUrl)) === 0 && pipeline.poller.stats().inFlight === 0, timeoutMs);
    const durationMs = Date.now() - started;
    faults.disable();
    const deadLetters = await pipeline.deadLetters();
    const judged = await judge(pipeline, edits, deadLetters);
    const logged = new Set<string>();
    if (options.duringRebuild ?? true) for await (const ids of pipeline.runtime.catchUp.read(TYPE_NAME, 2)) ids.forEach((id) => logged.add(id));
    return {
      layer: options.layer,
      changes,
      resources: new Set(edits.map((edit) => edit.id)).size,
      deliveries: pipeline.poller.stats().received,
      calls: faults.stats.calls,
      injected: { ...faults.stats.injected },
      deadLetters,
      earlyDeadLetters: deadLetters.filter((letter) => !letter.reason.startsWith(`gave up after ${maxReceiveCount} deliveries`)),
      ...judged,
      unlogged: options.duringRebuild ?? true ? [...new Set(edits.map((edit) => edit.id))].filter((id) => !logged.has(id)) : [],
      durationMs,
    };
  } finally {
    await pipeline.stop();
    dynamodb.destroy();
    await cms.stop();
  }
}

async function queueDepth(aws: AwsTestEnv, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes['ApproximateNumberOfMessages'] ?? 0) + Number(Attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0);
}

/** Compares every resource with its last edit (what the CMS holds), forgiving only dead-lettered ones. */
async function judge(pipeline: Pipeline, edits: readonly Edit[], deadLetters: readonly DeadLetter[]): Promise<Pick<FaultBurstFigures, 'lost' | 'resurrected'>> {
  const last = new Map(edits.map((edit) => [edit.id, edit]));
  const pointer = await pipeline.runtime.pointerStore.readPointer(TYPE_NAME);
  const stored = pointer ? await pipeline.runtime.records.getRecords(TYPE_NAME, pointer.active, [...last.keys()]) : new Map();
  const excused = new Set(deadLetters.map((letter) => String((JSON.parse(letter.body) as { id?: unknown }).id)));
  const lost: string[] = [];
  const resurrected: string[] = [];
  for (const [id, edit] of last) {
    if (excused.has(id)) continue;
    const record = stored.get(id);
    if (edit.doc === undefined) {
      if (record !== undefined && !record.deleted) resurrected.push(id);
      continue;
    }
    const right = record !== undefined && !record.deleted && record.version === edit.version && isDeepStrictEqual(record.record, transformVideo(edit.doc));
    if (!right) lost.push(id);
  }
  return { lost, resurrected };
}
