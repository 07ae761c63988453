/**
 * Crash safety: the job runs as a child process (as on AWS Batch) and is killed with SIGKILL at a
 * random point of a phase. The active generation must stay readable, and the next run must clean
 * up what was left and succeed. On both stores: DynamoDB, and Redis holding all state.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, it, type OnTestFinishedHandler } from 'vitest';
import { createRuntime, type Runtime } from '../../../lambdas/adapters/compose/index.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { EXIT, runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { compiledJobsCli } from '../../support/jobs-cli.ts';
import { motoEndpoint } from '../../support/moto.ts';
import { startRedis, type RedisTestServer } from '../../support/redis.ts';
import { startStoreProxy, type StoreProxy } from '../../support/store-proxy.ts';
import { prng } from '../../unit/rebuild/support/interleaving.ts';
import { startDocumentCms } from './support/cms.ts';
import { dynamoDeployment, redisDeployment, type CrashDeployment, type CrashStore } from './support/crash-stores.ts';

const DOCS = 200;

const CONFIG_MODULE = `
export const config = {
  pointerCacheSeconds: 1,
  store: process.env.TEST_STORE ? JSON.parse(process.env.TEST_STORE) : undefined,
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
  /**
   * Kill the job while its flip (the pointer's one conditional write) is held back on its way to the
   * store, instead of at the trigger: a log line reaches this process after the write may have landed.
   */
  holdFlip?: boolean;
}

const crashes: Crash[] = [
  { phase: 'while scanning', trigger: /^rebuild phase: loading$/, maxDelayMs: 900 },
  { phase: 'during the replay', trigger: /^rebuild phase: replaying$/, maxDelayMs: 60 },
  { phase: 'just before the flip', trigger: /^rebuild phase: flipping$/, maxDelayMs: 0, holdFlip: true },
  { phase: 'just after the flip', trigger: /^flipped$/, maxDelayMs: 0 },
];

// On moto only DynamoDB: a Redis deployment keeps all its state in Redis, so the AWS emulator behind it changes nothing.
const STORES: CrashStore[] = motoEndpoint() ? ['dynamodb'] : ['dynamodb', 'redis'];

describe.each(STORES)('the rebuild job killed at random points, on %s', (store) => {
  let aws: AwsTestEnv;
  let redis: RedisTestServer | undefined;
  let configPath: string;
  const random = prng(Number(process.env['CRASH_SEED'] ?? 7));

  beforeAll(async () => {
    aws = await startAws();
    if (store === 'redis') redis = await startRedis();
    const dir = mkdtempSync(join(tmpdir(), 'freshindex-crash-'));
    configPath = join(dir, 'crash.config.mjs');
    writeFileSync(configPath, CONFIG_MODULE);
  });
  afterAll(async () => {
    await redis?.stop();
    await aws.stop();
  });

  /** A deployment of its own for one scenario: its tables, or its key prefix on the one Redis. */
  async function deploy(onTestFinished: (handler: OnTestFinishedHandler) => void): Promise<CrashDeployment> {
    if (!redis) return dynamoDeployment(aws);
    const client = redis.client();
    onTestFinished(() => client.disconnect());
    return redisDeployment(redis.url, client);
  }

  // Concurrent: each scenario has its own deployment and CMS, and most of its time is spent waiting.
  // Clean-ups go through the test's own context: the global onTestFinished cannot tell concurrent tests apart.
  it.concurrent.for(crashes)('keeps the active generation readable and the next run recovers when killed $phase', async (crash, { expect, onTestFinished }) => {
    // Prepare
    const deployment = await deploy(onTestFinished);
    const cms = await startDocumentCms();
    onTestFinished(() => cms.close());
    for (let i = 0; i < DOCS; i++) cms.docs.set(`v${i}`, { id: `v${i}`, v: 1, title: `t${i}@1` });
    cms.delayMs = 60;
    cms.maxPage = 10;
    const config: FreshindexConfigInput = {
      pointerCacheSeconds: 1,
      ...(deployment.store ? { store: deployment.store } : {}),
      types: [{ name: 'video', source: cms.sourceConfig(), transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['v'] as number, rebuild: { gate: { countTolerance: 0.05, sampleSize: 30 } } }],
    };
    const runtime = createRuntime(config, deployment.settings, { dynamodb: aws.dynamodb });
    onTestFinished(() => runtime.close());
    await applyDocs(runtime, [...cms.docs.values()]);
    const jobEnv = { ...deployment.jobEnv, FRESHINDEX_REBUILD_LEASE_SECONDS: '1', FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '100' };
    const delay = Math.floor(random() * (crash.maxDelayMs + 1));
    const proxy = crash.holdFlip ? await flipHoldingProxy(store) : undefined;
    onTestFinished(() => proxy?.close());
    const childEnv = {
      ...jobEnv,
      ...(proxy ? (store === 'redis' ? { FRESHINDEX_REDIS_URL: proxy.via(redis?.url as string) } : { AWS_ENDPOINT_URL_DYNAMODB: proxy.via(aws.endpoints.dynamodb) }) : {}),
      FRESHINDEX_CONFIG: configPath,
      TEST_SOURCE: JSON.stringify(cms.sourceConfig()),
      ...(deployment.store ? { TEST_STORE: JSON.stringify(deployment.store) } : {}),
    };

    // Act
    const kill = proxy ? { when: proxy.held } : { trigger: crash.trigger, delayMs: delay };
    const killed = await runAndKill(childEnv, kill, async () => {
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
    expect(await deployment.generationsHolding()).toEqual([...new Set([pointer?.previous, pointer?.active].filter((g) => g !== undefined))].sort((a, b) => a - b));
    expect(await deployment.leftovers([pointer?.active, pointer?.previous])).toEqual([]);
    const builds = await runtime.builds.list('video', 10);
    const statuses = builds.map((build) => build.status).sort();
    expect(statuses).toEqual(crash.trigger.source.includes('flipped') ? ['succeeded', 'succeeded'] : ['abandoned', 'succeeded']);
  });

  /** A proxy in front of the store that holds back the job's flip: its pointer write that names no building generation. */
  async function flipHoldingProxy(on: CrashStore): Promise<StoreProxy> {
    const pointerMarker = on === 'redis' ? 'p:{video}' : '"S":"pointer"';
    const isFlip = (text: string) => text.includes(pointerMarker) && text.includes('"revision"') && text.includes('"active"') && !text.includes('"building"');
    return startStoreProxy(on === 'redis' ? (redis?.url as string) : aws.endpoints.dynamodb, { holdWhen: (chunk) => isFlip(chunk.toString('utf8')) });
  }

  /**
   * Runs the job in a child process and SIGKILLs it `delayMs` after a log line matching `trigger`,
   * or as soon as `when` resolves.
   */
  async function runAndKill(env: Record<string, string>, kill: { trigger: RegExp; delayMs: number } | { when: Promise<void> }, whileLoading: () => Promise<void>): Promise<boolean> {
    const child = spawn(process.execPath, [await compiledJobsCli(), 'rebuild', '--type', 'video'], {
      env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: aws.endpoints.dynamodb, ...env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'INFO' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let killed = false;
    if ('when' in kill) {
      void kill.when.then(() => {
        killed = true;
        child.kill('SIGKILL');
      });
    }
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
        if (!killed && 'trigger' in kill && kill.trigger.test(message)) {
          killed = true;
          setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
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
