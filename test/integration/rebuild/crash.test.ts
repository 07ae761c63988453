/**
 * Crash safety: the job runs as a child process (as on AWS Batch) and is killed with SIGKILL at a
 * random point of a phase. The active generation must stay readable, and the next run must clean
 * up what was left and succeed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, it, onTestFinished } from 'vitest';
import { createRuntime, type Runtime } from '../../../lambdas/adapters/compose/index.ts';
import { DynamoBuildControl } from '../../../lambdas/adapters/dynamodb/builds.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { EXIT, runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { prng } from '../../unit/rebuild/support/interleaving.ts';
import { startDocumentCms } from './support/cms.ts';
import { freshTables } from './support/dynamo-world.ts';

const CLI = resolve(import.meta.dirname, '../../../lambdas/jobs/cli.ts');
const DOCS = 200;

const CONFIG_MODULE = `
export const config = {
  pointerCacheSeconds: 1,
  types: [{
    name: 'video',
    source: JSON.parse(process.env.TEST_SOURCE),
    transform: (doc) => ({ title: doc.title }),
    version: (doc) => doc.v,
    rebuild: { gate: { countTolerance: 0.05, sampleSize: 30 } },
  }],
};
`;

interface Crash {
  phase: string;
  /** The log message at which the kill is armed. */
  trigger: RegExp;
  /** Random delay after the trigger, at most (ms). */
  maxDelayMs: number;
}

const crashes: Crash[] = [
  { phase: 'while scanning', trigger: /^rebuild phase: loading$/, maxDelayMs: 900 },
  { phase: 'during the replay', trigger: /^rebuild phase: replaying$/, maxDelayMs: 60 },
  { phase: 'just before the flip', trigger: /^rebuild phase: flipping$/, maxDelayMs: 0 },
  { phase: 'just after the flip', trigger: /^flipped$/, maxDelayMs: 0 },
];

describe('the rebuild job killed at random points', () => {
  let aws: AwsTestEnv;
  let configPath: string;
  const random = prng(Number(process.env['CRASH_SEED'] ?? 7));

  beforeAll(async () => {
    aws = await startAws();
    const dir = mkdtempSync(join(tmpdir(), 'freshindex-crash-'));
    configPath = join(dir, 'crash.config.mjs');
    writeFileSync(configPath, CONFIG_MODULE);
  });
  afterAll(async () => aws.stop());

  // Concurrent: each scenario has its own tables and CMS, and most of its time is spent waiting.
  it.concurrent.for(crashes)('keeps the active generation readable and the next run recovers when killed $phase', async (crash, { expect }) => {
    // Prepare
    const names = await freshTables(aws);
    const cms = await startDocumentCms();
    onTestFinished(() => cms.close());
    for (let i = 0; i < DOCS; i++) cms.docs.set(`v${i}`, { id: `v${i}`, v: 1, title: `t${i}@1` });
    cms.delayMs = 60;
    cms.maxPage = 10;
    const config: FreshindexConfigInput = {
      pointerCacheSeconds: 1,
      types: [{ name: 'video', source: cms.sourceConfig(), transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['v'] as number, rebuild: { gate: { countTolerance: 0.05, sampleSize: 30 } } }],
    };
    const runtime = createRuntime(config, names, { dynamodb: aws.dynamodb });
    await applyDocs(runtime, [...cms.docs.values()]);
    const jobEnv = {
      FRESHINDEX_INDEX_TABLE: names.indexTable,
      FRESHINDEX_CONTROL_TABLE: names.controlTable,
      FRESHINDEX_REBUILD_LEASE_SECONDS: '1',
      FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '100',
    };
    const delay = Math.floor(random() * (crash.maxDelayMs + 1));

    // Act
    const killed = await runAndKill({ ...jobEnv, FRESHINDEX_CONFIG: configPath, TEST_SOURCE: JSON.stringify(cms.sourceConfig()) }, crash.trigger, delay, async () => {
      // Changes keep flowing while the job scans: they land in its catch-up log.
      const edited = Array.from({ length: 60 }, (_, i) => ({ id: `v${i * 3}`, v: 2, title: `t${i * 3}@2` }));
      for (const doc of edited) cms.docs.set(doc.id, doc);
      await applyDocs(runtime, edited);
    });
    const readableAfterCrash = await activeIsComplete(runtime);
    cms.delayMs = 0;
    const exitCode = await runJob(config, ['rebuild', '--type', 'video'], jobEnv, { dynamodb: aws.dynamodb, logger: new Logger({ serviceName: 'test-crash', logLevel: 'SILENT' }) });

    // Assess
    expect(killed).toBe(true);
    expect(readableAfterCrash).toEqual([]);
    expect(exitCode).toBe(EXIT.ok);
    const pointer = await runtime.pointerStore.readPointer('video');
    expect(pointer?.building).toBeUndefined();
    expect(await activeIsComplete(runtime)).toEqual([]);
    expect(await generationsHolding(aws, names.indexTable)).toEqual([...new Set([pointer?.previous, pointer?.active].filter((g) => g !== undefined))].sort());
    expect(await leftovers(aws, names.controlTable, [pointer?.active, pointer?.previous])).toEqual([]);
    const builds = await new DynamoBuildControl(aws.doc, names.controlTable).list('video', 10);
    expect(builds.map((build) => build.status).sort()).toEqual(crash.trigger.source.includes('flipped') ? ['succeeded', 'succeeded'] : ['abandoned', 'succeeded']);
  });

  /** Runs the job in a child process and SIGKILLs it `delayMs` after a log line matching `trigger`. */
  async function runAndKill(env: Record<string, string>, trigger: RegExp, delayMs: number, whileLoading: () => Promise<void>): Promise<boolean> {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'rebuild', '--type', 'video'], {
      env: { ...process.env, ...env, AWS_ENDPOINT_URL_DYNAMODB: aws.endpoints.dynamodb, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'INFO' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let killed = false;
    const pending: Array<Promise<void>> = [];
    let buffered = '';
    let all = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      all += chunk;
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const message = (() => {
          try {
            return String((JSON.parse(line) as { message?: unknown }).message);
          } catch {
            return '';
          }
        })();
        if (message === 'rebuild phase: loading') pending.push(whileLoading());
        if (!killed && trigger.test(message)) {
          killed = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.once('exit', (c, s) => done([c, s])));
    await Promise.all(pending);
    if (signal !== 'SIGKILL') throw new Error(`the job was not killed (exit ${code}): ${stderr.slice(-2000)} ${all.slice(0, 3000)}`);
    return killed;
  }
});

async function applyDocs(runtime: Runtime, docs: SourceDoc[]): Promise<void> {
  const { applyChanges } = await import('../../../lambdas/core/apply.ts');
  for (let start = 0; start < docs.length; start += 25) {
    await applyChanges(
      runtime,
      docs.slice(start, start + 25).map((doc) => ({ key: `${doc['id']}@${doc['v']}`, change: { type: 'video', id: String(doc['id']), op: 'upsert' as const, version: doc['v'] as number, doc } })),
    );
  }
}

/** What is wrong with the active generation: every document must be there, whole, at some version it had. */
async function activeIsComplete(runtime: Runtime): Promise<string[]> {
  const pointer = await runtime.pointerStore.readPointer('video');
  if (!pointer) return ['no pointer'];
  const ids = Array.from({ length: DOCS }, (_, i) => `v${i}`);
  const records = await runtime.records.getRecords('video', pointer.active, ids);
  return ids.flatMap((id) => {
    const record = records.get(id);
    if (!record || record.deleted) return [`${id} missing from generation ${pointer.active}`];
    const title = (record.record as { title?: string }).title;
    if (title !== `${id.replace('v', 't')}@${record.version}` || record.hash !== contentHash(record.record)) return [`${id} is torn: ${JSON.stringify(record)}`];
    return [];
  });
}

/** The generations that still hold records. */
async function generationsHolding(aws: AwsTestEnv, table: string): Promise<number[]> {
  const generations = new Set<number>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await aws.doc.send(new ScanCommand({ TableName: table, ProjectionExpression: 'generation', ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) generations.add(Number(item['generation']));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return [...generations].sort();
}

/**
 * Catch-up log entries, the lease, and retirement notes of generations the pointer no longer
 * names still in the control table. (A generation the pointer names keeps its note: that is how
 * the clean-up finds it once it retires.)
 */
async function leftovers(aws: AwsTestEnv, table: string, named: Array<number | undefined>): Promise<string[]> {
  const kept = new Set(named.filter((g) => g !== undefined).map((g) => `retired#${String(g).padStart(10, '0')}`));
  const found: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await aws.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const key = `${item['pk']} ${item['sk']}`;
      const note = String(item['sk']).startsWith('retired#') && !kept.has(String(item['sk']));
      if (String(item['pk']).includes('#catchup#') || note || item['sk'] === 'lease') found.push(key);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}
