/**
 * A rebuild whose load is split over children: locally child processes, on AWS Batch one array
 * job (answered by the stand-in of test/support/batch.ts, whose children are local processes
 * too). Each child loads a disjoint share of the segments, the parent replays, gates and flips. A
 * child killed in the middle of its load is run again, and the build flips with every document
 * present; on Batch the parent learns what each child loaded from the control store.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { BatchClient } from '@aws-sdk/client-batch';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ChildProcessLoader } from '../../../lambdas/adapters/batch/child-processes.ts';
import { createRuntime } from '../../../lambdas/adapters/compose/index.ts';
import { DynamoBuildControl } from '../../../lambdas/adapters/dynamodb/builds.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { EXIT, runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { standInBatch } from '../../support/batch.ts';
import { startDocumentCms } from './support/cms.ts';
import { freshTables } from './support/dynamo-world.ts';

const DOCS = 400;

const CONFIG_MODULE = `
export const config = {
  pointerCacheSeconds: 1,
  types: [{
    name: 'video',
    source: JSON.parse(process.env.TEST_SOURCE),
    transform: (doc) => ({ title: doc.title }),
    version: (doc) => doc.v,
    rebuild: { gate: { countTolerance: 0.01, sampleSize: 30 } },
  }],
};
`;

describe('a rebuild split over children', () => {
  let aws: AwsTestEnv;
  let configPath: string;
  beforeAll(async () => {
    aws = await startAws();
    configPath = join(mkdtempSync(join(tmpdir(), 'freshindex-array-')), 'array.config.mjs');
    writeFileSync(configPath, CONFIG_MODULE);
  });
  afterAll(async () => aws.stop());

  /** Tables, a CMS of DOCS documents, the parent's environment and the children's. */
  async function prepare() {
    const names = await freshTables(aws);
    const cms = await startDocumentCms();
    onTestFinished(() => cms.close());
    for (let i = 0; i < DOCS; i++) cms.docs.set(`v${i}`, { id: `v${i}`, v: 1, title: `t${i}@1` });
    cms.delayMs = 30;
    cms.maxPage = 10;
    const config: FreshindexConfigInput = {
      pointerCacheSeconds: 1,
      types: [{ name: 'video', source: cms.sourceConfig(), transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['v'] as number, rebuild: { gate: { countTolerance: 0.01, sampleSize: 30 } } }],
    };
    const jobEnv: Record<string, string> = {
      FRESHINDEX_INDEX_TABLE: names.indexTable,
      FRESHINDEX_CONTROL_TABLE: names.controlTable,
      FRESHINDEX_REBUILD_LEASE_SECONDS: '5',
      FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '100',
      FRESHINDEX_REBUILD_CONCURRENCY: '4',
      FRESHINDEX_REBUILD_CHILDREN: '2',
    };
    const childEnv = {
      ...process.env, ...jobEnv, FRESHINDEX_CONFIG: configPath, TEST_SOURCE: JSON.stringify(cms.sourceConfig()), AWS_ENDPOINT_URL_DYNAMODB: aws.endpoints.dynamodb, AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    return { names, cms, config, jobEnv, childEnv };
  }

  /** Kills child 0's first run shortly after its load started; tells whether it did. */
  function killFirstChildMidLoad() {
    const state = { killed: false };
    const onSpawn = (child: ChildProcess, index: number, attempt: number) => {
      if (index !== 0 || attempt !== 1) return;
      child.stdout?.on('data', (chunk: Buffer) => {
        if (!state.killed && chunk.toString().includes('child load started')) {
          state.killed = true;
          setTimeout(() => child.kill('SIGKILL'), 150);
        }
      });
    };
    return { state, onSpawn };
  }

  /** Every document is live in the new generation and the build's report counts them all. */
  async function expectEveryDocumentLive(world: Awaited<ReturnType<typeof prepare>>) {
    const { config, names, cms } = world;
    const runtime = createRuntime(config, names, { dynamodb: aws.dynamodb });
    const pointer = await runtime.pointerStore.readPointer('video');
    const records = await runtime.records.getRecords('video', pointer?.active ?? 0, [...cms.docs.keys()]);
    expect(pointer).toMatchObject({ active: 2, previous: 1 });
    expect([...cms.docs.keys()].filter((id) => (records.get(id)?.record as { title?: string } | undefined)?.title !== `t${id.slice(1)}@1`)).toEqual([]);
    const [build] = await new DynamoBuildControl(aws.doc, names.controlTable).list('video', 1);
    expect(build?.report).toMatchObject({ outcome: 'succeeded', counts: { scanned: DOCS, loaded: DOCS, generation: DOCS } });
  }

  const silent = () => new Logger({ serviceName: 'test-array', logLevel: 'SILENT' });

  it('runs a child process killed mid-load again and flips with every document present', async () => {
    // Prepare
    const world = await prepare();
    const spawned: string[] = [];
    const kill = killFirstChildMidLoad();
    const children = new ChildProcessLoader({
      configPath,
      env: world.childEnv,
      onSpawn(child, index, attempt) {
        spawned.push(`${index}#${attempt}`);
        kill.onSpawn(child, index, attempt);
      },
    });

    // Act
    const exitCode = await runJob(world.config, ['rebuild', '--type', 'video'], world.jobEnv, { dynamodb: aws.dynamodb, children, logger: silent() });

    // Assess
    expect(kill.state.killed).toBe(true);
    expect(exitCode).toBe(EXIT.ok);
    expect(spawned.sort()).toEqual(['0#1', '0#2', '1#1']);
    await expectEveryDocumentLive(world);
  });

  it('on AWS Batch submits one array job, whose child killed mid-load Batch runs again, and flips with every document present', async () => {
    // Prepare
    const world = await prepare();
    const kill = killFirstChildMidLoad();
    const batch = new BatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const parent = { jobId: 'parent-job', jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/fi', jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/fi:7' };
    const standIn = standInBatch(batch, { parent, env: world.childEnv, onSpawn: kill.onSpawn });

    // Act
    const exitCode = await runJob(world.config, ['rebuild', '--type', 'video'], { ...world.jobEnv, AWS_BATCH_JOB_ID: parent.jobId }, { dynamodb: aws.dynamodb, batch, logger: silent() });

    // Assess
    expect(kill.state.killed).toBe(true);
    expect(exitCode).toBe(EXIT.ok);
    expect(standIn.submitted).toHaveLength(1);
    expect(standIn.submitted[0]).toMatchObject({
      jobQueue: parent.jobQueue,
      jobDefinition: parent.jobDefinition,
      arrayProperties: { size: 2 },
      retryStrategy: { attempts: 3 },
      containerOverrides: { command: ['node', 'dist/job.mjs', 'load-segments', '--type', 'video'] },
    });
    expect(standIn.submitted[0]?.containerOverrides?.environment?.map((variable) => variable.name)).toEqual(expect.arrayContaining(['FRESHINDEX_LOAD_BUILD_ID', 'FRESHINDEX_LOAD_GENERATION', 'FRESHINDEX_LOAD_SEGMENTS', 'FRESHINDEX_LOAD_CHILDREN']));
    expect(standIn.spawned.sort()).toEqual(['0#1', '0#2', '1#1']);
    await expectEveryDocumentLive(world);
  });
});
