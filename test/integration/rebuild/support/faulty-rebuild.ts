/**
 * Rebuilds under DynamoDB faults, with changes flowing: a type of `items` documents is rebuilt
 * `runs` times in a row while appliers apply upserts and deletes (a failed change is delivered
 * again, as SQS would), every DynamoDB call of the rebuild and the appliers going through a
 * client with `rate` of its calls failing (test/support/faults.ts, at `layer`). Each run is
 * checked: it flipped, its report says what happened, and the live generation equals
 * transform(source). Shared by the fault suite and, with bigger figures, by benchmarks.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { IncomingChange } from '../../../../lambdas/core/apply.ts';
import { rebuildType, type BuildReport } from '../../../../lambdas/core/rebuild/index.ts';
import { toUpsert } from '../../../../lambdas/core/transform.ts';
import type { AwsTestEnv } from '../../../support/aws.ts';
import { injectDynamoFaults, type FaultInjector, type FaultLayer } from '../../../support/faults.ts';
import { seededRandom } from '../../../support/random.ts';
import { deleteChange, doc, upsertChange, videoType } from '../../../unit/rebuild/support/world.ts';
import { createDynamoWorld, type DynamoWorld } from './dynamo-world.ts';

export interface FaultyRebuildPlan {
  items: number;
  runs: number;
  layer: FaultLayer;
  /** Fraction of DynamoDB calls failing. */
  rate: number;
  seed: number;
  /** Changes applied while each build runs, at most. @default items / 50 */
  changesPerRun?: number;
}

export interface FaultyRun {
  report: BuildReport;
  durationMs: number;
  changes: number;
  /** Every broken promise of this run; empty when all is well. */
  violations: string[];
}

export interface FaultyRebuildResult {
  runs: FaultyRun[];
  injected: FaultInjector['stats'];
  /** Broken promises found after the last run (leftover generations, content). */
  violations: string[];
}

const TYPE = 'video';

/** Runs the plan on fresh tables of `aws`. */
export async function runFaultyRebuilds(aws: AwsTestEnv, plan: FaultyRebuildPlan): Promise<FaultyRebuildResult> {
  const client = new DynamoDBClient(aws.clientConfig('dynamodb'));
  const faults = injectDynamoFaults(client, { rate: plan.rate, layer: plan.layer, random: seededRandom(plan.seed) });
  faults.disable();
  const world = await createDynamoWorld(aws, videoType(), 200, DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }));
  world.options = { ...world.options, pageSize: 250, chunkSize: 100, writesInFlight: 4, progressIntervalMs: 1_000, retry: { baseMs: 20, capMs: 1_000 } };
  const random = seededRandom(plan.seed + 1);
  const version = { last: 0 };
  for (let i = 0; i < plan.items; i++) world.source.docs.set(`r${i}`, doc(`r${i}`, ++version.last));
  faults.enable();
  const runs: FaultyRun[] = [];
  try {
    for (let run = 0; run < plan.runs; run++) runs.push(await oneRun(world, plan, random, version));
    faults.disable();
    return { runs, injected: faults.stats, violations: await leftovers(aws, world, runs.at(-1)?.report) };
  } finally {
    client.destroy();
  }
}

async function oneRun(world: DynamoWorld, plan: FaultyRebuildPlan, random: () => number, version: { last: number }): Promise<FaultyRun> {
  const before = await readPointerCleanly(world);
  let building = true;
  let changes = 0;
  const limit = plan.changesPerRun ?? Math.max(20, Math.floor(plan.items / 50));
  const flowing = (async () => {
    const apply = world.applier();
    while (building && changes < limit) {
      await deliver(apply, change(world, plan.items, random, version));
      changes++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const startedAt = Date.now();
  const { report } = await rebuildType(world.deps, world.type, world.options).finally(() => (building = false));
  await flowing;
  const durationMs = Date.now() - startedAt;
  const violations: string[] = [];
  const after = await readPointerCleanly(world);
  if (report.outcome !== 'succeeded') violations.push(`outcome ${report.outcome}: ${report.reasons.join('; ')}`);
  if (after?.active !== report.generation || report.activeAfter !== report.generation) violations.push(`report says generation ${report.generation} went live, the pointer names ${after?.active}`);
  if (report.activeBefore !== (before?.active ?? 1)) violations.push(`report says ${report.activeBefore} served before, the pointer named ${before?.active}`);
  if (report.counts.loaded !== report.counts.scanned) violations.push(`loaded ${report.counts.loaded} of ${report.counts.scanned} scanned`);
  if (report.retired.join() !== (before?.previous === undefined ? '' : String(before.previous))) violations.push(`report retired [${report.retired}], the flip replaced ${before?.previous}`);
  violations.push(...(await differences(world, plan.items)));
  return { report, durationMs, changes, violations };
}

/** An upsert (85%) or a delete of a random id; the source changes first, as a CMS does. */
function change(world: DynamoWorld, items: number, random: () => number, version: { last: number }): IncomingChange {
  const id = `r${Math.floor(random() * items)}`;
  if (random() < 0.15 && world.source.docs.has(id)) {
    world.source.docs.delete(id);
    return deleteChange(id, ++version.last);
  }
  const document = doc(id, ++version.last);
  world.source.docs.set(id, document);
  return upsertChange(document);
}

/** Applies one change, again while it fails (SQS redelivering it). */
async function deliver(apply: (changes: IncomingChange[]) => Promise<unknown>, one: IncomingChange): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const outcome = (await apply([one]).catch(() => undefined)) as Map<string, { status: string }> | undefined;
    if (outcome && outcome.get(one.key)?.status !== 'failed') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`change ${one.key} failed 50 deliveries`);
}

/** Reads the pointer, again while the faults make it fail. */
async function readPointerCleanly(world: DynamoWorld) {
  for (;;) {
    try {
      return await world.store.readPointer(TYPE);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Ids whose live record differs from transform(source). Read through the faulty client, retried. */
async function differences(world: DynamoWorld, items: number): Promise<string[]> {
  const pointer = await readPointerCleanly(world);
  const ids = Array.from({ length: items }, (_, i) => `r${i}`);
  let stored;
  for (let attempt = 0; ; attempt++) {
    try {
      stored = await world.store.getRecords(TYPE, pointer?.active ?? 1, ids);
      break;
    } catch (error) {
      if (attempt > 20) throw error;
    }
  }
  return ids.flatMap((id) => {
    const source = world.source.docs.get(id);
    const record = stored.get(id);
    if (!source) return record && !record.deleted ? [`resurrected: ${id}`] : [];
    const expected = toUpsert(world.type, id, source);
    if (!record || record.deleted) return [`lost: ${id}`];
    return record.version === expected.version && record.hash === expected.hash ? [] : [`stale: ${id} v${record.version}, source v${expected.version}`];
  });
}

/** After the last run: only the active and previous generations hold records, no catch-up log or lease is left. */
async function leftovers(aws: AwsTestEnv, world: DynamoWorld, last: BuildReport | undefined): Promise<string[]> {
  const pointer = await world.store.readPointer(TYPE);
  const generations = new Set<number>();
  const control: string[] = [];
  for (const [table, items] of [[world.names.indexTable, generations], [world.names.controlTable, control]] as const) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await aws.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        if (items instanceof Set) items.add(Number(item['generation']));
        else if (String(item['pk']).includes('#catchup#') || item['sk'] === 'lease') items.push(`${item['pk']} ${item['sk']}`);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  const named = [pointer?.previous, pointer?.active].filter((g): g is number => g !== undefined);
  const extra = [...generations].filter((g) => !named.includes(g));
  return [
    ...(extra.length > 0 ? [`generations ${extra.join(', ')} still hold records (pointer names ${named.join(', ')}, last build ${last?.buildId})`] : []),
    ...control.map((key) => `left in the control table: ${key}`),
  ];
}
