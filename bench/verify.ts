/**
 * The verify benchmark (issue #4): check throughput of the real verify handler (checks/s) against
 * dynalite and an HTTP CMS, next to a bare GetItem loop over the same keys in the same run, and
 * the AWS API calls one check costs. Steady state (the index matches) and drift (10 % of the
 * records corrupted, so those checks also repair, count and schedule a re-check).
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { performance } from 'node:perf_hooks';
import { contentHash } from '../lambdas/core/hash.ts';
import { SqsCheckScheduler } from '../lambdas/adapters/sqs/check-scheduler.ts';
import { checkMessageBody } from '../lambdas/core/verify/message.ts';
import type { CheckRequest } from '../lambdas/core/verify/ports.ts';
import { startBenchBackend, type BenchBackend, type BenchStack } from './support/harness.ts';
import { count, formatTable, ratio } from './support/table.ts';
import { TYPE_NAME, transformVideo } from './support/workload.ts';
import { recordKey } from '../lambdas/adapters/dynamodb/keys.ts';
import { buildVerifyHandler, verifyRecord } from './support/verify-pass.ts';

export interface VerifyBenchOptions {
  /** Resources checked per scenario. @default 400 */
  resources?: number;
  /** Messages per handler invocation (the event source's batch size). @default 10 */
  batchSize?: number;
  print?: (line: string) => void;
}

export interface VerifyScenarioResult {
  label: string;
  checks: number;
  checksPerSecond: number;
  bareGetsPerSecond: number;
  callsPerCheck: number;
}

/** Runs the verify benchmark on in-process emulators and prints its report. */
export async function benchVerify(options: VerifyBenchOptions = {}): Promise<VerifyScenarioResult[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const resources = options.resources ?? 400;
  const batchSize = options.batchSize ?? 10;
  const backend = await startBenchBackend();
  try {
    const results: VerifyScenarioResult[] = [];
    for (const [label, driftShare] of [['steady state (index matches)', 0], ['10 % drifted (repair + re-check)', 0.1]] as const) {
      results.push(await scenario(backend, label, resources, batchSize, driftShare));
    }
    print(`verify handler vs a bare GetItem loop: ${resources} resources, batches of ${batchSize}, dynalite + HTTP CMS in process`);
    print(
      formatTable(
        ['scenario', 'checks', 'checks/s', 'bare GetItem/s', 'ratio', 'calls/check'],
        results.map((r) => [r.label, count(r.checks), count(Math.round(r.checksPerSecond)), count(Math.round(r.bareGetsPerSecond)), ratio(r.checksPerSecond, r.bareGetsPerSecond), r.callsPerCheck.toFixed(2)]),
      ),
    );
    print(
      "Calls count AWS API calls and source HTTP requests, the apply function's SendMessageBatch of the checks included (10 checks a call; the verify queue has no subscription). A check reads the source (one HTTP GET) and, in parallel, the index record, the difference counter and the quarantine entry; the pointer is cached.",
    );
    return results;
  } finally {
    await backend.stop();
  }
}

async function scenario(backend: BenchBackend, label: string, resources: number, batchSize: number, driftShare: number): Promise<VerifyScenarioResult> {
  const stack = await backend.freshStack('verify');
  const { runtime } = stack;
  const ids = await seed(backend, stack, resources, driftShare);
  const handler = await buildVerifyHandler(backend, stack);
  const due = Date.now() - 3_600_000;
  // The checks as the apply function schedules them (SendMessageBatch, 10 a call): their sends count in calls/check.
  const requests: CheckRequest[] = ids.map((id) => ({ type: TYPE_NAME, id, checkAfter: due, trigger: 'change' }));
  const { QueueUrl } = await backend.sqs.send(new CreateQueueCommand({ QueueName: `bench-verify-sent-${Date.now()}` }));
  backend.calls.take();
  await new SqsCheckScheduler(backend.sqs, QueueUrl as string).scheduleAll(requests);
  const sent = [...backend.calls.take().values()].reduce((sum, tally) => sum + tally.calls, 0);
  const events: SQSEvent[] = [];
  for (let i = 0; i < ids.length; i += batchSize) events.push({ Records: requests.slice(i, i + batchSize).map((request, j) => verifyRecord(`${i + j}`, checkMessageBody(request), due)) });

  await handler(events[0] as SQSEvent); // warm-up: clients, connections, pointer cache
  backend.calls.take();
  const checkStart = performance.now();
  for (const event of events) await handler(event);
  const checkSeconds = (performance.now() - checkStart) / 1000;
  const tallies = backend.calls.take();
  const calls = sent + [...tallies.values()].reduce((sum, tally) => sum + tally.calls, 0) + stack.takeSourceRequests();

  const getStart = performance.now();
  for (let i = 0; i < ids.length; i += batchSize) {
    await Promise.all(
      ids.slice(i, i + batchSize).map((id) =>
        DynamoDBDocumentClient.from(backend.dynamodb).send(new GetCommand({ TableName: runtime.settings.indexTable, Key: recordKey(TYPE_NAME, 1, id), ConsistentRead: true })),
      ),
    );
  }
  const getSeconds = (performance.now() - getStart) / 1000;
  return { label, checks: ids.length, checksPerSecond: ids.length / checkSeconds, bareGetsPerSecond: ids.length / getSeconds, callsPerCheck: calls / ids.length };
}

async function seed(backend: BenchBackend, stack: BenchStack, resources: number, driftShare: number): Promise<string[]> {
  const { runtime } = stack;
  const ids = Array.from({ length: resources }, (_, i) => `bench-${i}`);
  const generation = (await runtime.pointers.get(TYPE_NAME)).active;
  const writes = ids.map((id) => {
    const doc = { id, version: 1, title: `title ${id}`, tags: ['a', 'b'], channel: 'c1', durationSeconds: 60, description: 'x'.repeat(200) };
    stack.cms.docs.set(id, doc);
    const record = transformVideo(doc);
    return { kind: 'upsert' as const, id, version: 1, hash: contentHash(record), record };
  });
  await runtime.records.write(TYPE_NAME, generation, writes);
  const drifted = Math.round(resources * driftShare);
  for (const id of ids.slice(0, drifted)) {
    await DynamoDBDocumentClient.from(backend.dynamodb).send(
      new PutCommand({
        TableName: runtime.settings.indexTable,
        Item: { ...recordKey(TYPE_NAME, generation, id), type: TYPE_NAME, id, generation, version: 1, hash: 'drifted', deleted: false, writtenAt: 0, record: '{"title":"drifted"}' },
      }),
    );
  }
  backend.calls.take();
  stack.takeSourceRequests();
  return ids;
}
