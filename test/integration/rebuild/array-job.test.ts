/**
 * A rebuild whose load is split over child processes, as an AWS Batch array job splits it over
 * containers: each child loads a disjoint share of the segments, the parent replays, gates and
 * flips. A child killed in the middle of its load is run again, and the build flips with every
 * document present.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ChildProcessLoader } from '../../../lambdas/adapters/batch/child-processes.ts';
import { createRuntime } from '../../../lambdas/adapters/compose/index.ts';
import { DynamoBuildControl } from '../../../lambdas/adapters/dynamodb/builds.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import { EXIT, runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
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

describe('a rebuild split over child processes', () => {
  let aws: AwsTestEnv;
  let configPath: string;
  beforeAll(async () => {
    aws = await startAws();
    configPath = join(mkdtempSync(join(tmpdir(), 'freshindex-array-')), 'array.config.mjs');
    writeFileSync(configPath, CONFIG_MODULE);
  });
  afterAll(async () => aws.stop());

  it('runs a child killed mid-load again and flips with every document present', async () => {
    // Prepare
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
    const jobEnv = {
      FRESHINDEX_INDEX_TABLE: names.indexTable,
      FRESHINDEX_CONTROL_TABLE: names.controlTable,
      FRESHINDEX_REBUILD_LEASE_SECONDS: '5',
      FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '100',
      FRESHINDEX_REBUILD_CONCURRENCY: '4',
      FRESHINDEX_REBUILD_CHILDREN: '2',
    };
    const spawned: string[] = [];
    let killedMidLoad = false;
    const children = new ChildProcessLoader({
      configPath,
      env: {
        ...process.env, ...jobEnv, TEST_SOURCE: JSON.stringify(cms.sourceConfig()), AWS_ENDPOINT_URL_DYNAMODB: aws.endpoints.dynamodb, AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      onSpawn(child, index, attempt) {
        spawned.push(`${index}#${attempt}`);
        if (index !== 0 || attempt !== 1) return;
        child.stdout?.on('data', (chunk: Buffer) => {
          if (!killedMidLoad && chunk.toString().includes('child load started')) {
            killedMidLoad = true;
            setTimeout(() => child.kill('SIGKILL'), 150);
          }
        });
      },
    });

    // Act
    const exitCode = await runJob(config, ['rebuild', '--type', 'video'], jobEnv, { dynamodb: aws.dynamodb, children, logger: new Logger({ serviceName: 'test-array', logLevel: 'SILENT' }) });

    // Assess
    expect(killedMidLoad).toBe(true);
    expect(exitCode).toBe(EXIT.ok);
    expect(spawned.sort()).toEqual(['0#1', '0#2', '1#1']);
    const runtime = createRuntime(config, names, { dynamodb: aws.dynamodb });
    const pointer = await runtime.pointerStore.readPointer('video');
    const records = await runtime.records.getRecords('video', pointer?.active ?? 0, [...cms.docs.keys()]);
    expect(pointer).toMatchObject({ active: 2, previous: 1 });
    expect([...cms.docs.keys()].filter((id) => (records.get(id)?.record as { title?: string } | undefined)?.title !== `t${id.slice(1)}@1`)).toEqual([]);
    const [build] = await new DynamoBuildControl(aws.doc, names.controlTable).list('video', 1);
    expect(build?.report).toMatchObject({ outcome: 'succeeded', counts: { scanned: DOCS, loaded: DOCS, generation: DOCS } });
  });
});
