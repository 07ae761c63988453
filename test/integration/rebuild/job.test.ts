/**
 * The rebuild job as AWS Batch runs it, in-process: the HTTP CMS as the source, the DynamoDB
 * tables, reports and alerts published on SNS.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoBuildControl } from '../../../lambdas/adapters/dynamodb/builds.ts';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import type { FreshindexConfigInput } from '../../../lambdas/core/config/index.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { EXIT, runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { startDocumentCms, type DocumentCms } from './support/cms.ts';
import { freshTables } from './support/dynamo-world.ts';
import { createInbox, type Inbox } from './support/topics.ts';

const docOf = (id: string, v: number): SourceDoc => ({ id, v, title: `title ${id}` });

describe('the rebuild job', () => {
  let aws: AwsTestEnv;
  let cms: DocumentCms;
  let env: Record<string, string>;
  let store: DynamoIndexStore;
  let control: DynamoBuildControl;
  let notifications: Inbox;
  let alerts: Inbox;
  const overrides = () => ({ dynamodb: aws.dynamodb, sns: aws.sns, logger: new Logger({ serviceName: 'test-rebuild', logLevel: 'SILENT' }) });
  const config = (transform: (doc: SourceDoc) => unknown = (doc) => ({ title: doc['title'] })): FreshindexConfigInput => ({
    pointerCacheSeconds: 1,
    types: [
      { name: 'video', source: cms.sourceConfig(), transform, version: (doc) => doc['v'] as number },
      { name: 'article', source: cms.sourceConfig(), transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['v'] as number },
    ],
  });

  beforeAll(async () => {
    aws = await startAws();
    cms = await startDocumentCms();
    for (let i = 0; i < 60; i++) cms.docs.set(`v${i}`, docOf(`v${i}`, 1));
  });
  afterAll(async () => {
    await cms.close();
    await aws.stop();
  });
  beforeEach(async () => {
    const names = await freshTables(aws);
    store = new DynamoIndexStore({ client: aws.doc, ...names, tombstoneTtlSeconds: 3600 });
    control = new DynamoBuildControl(aws.doc, names.controlTable);
    notifications = await createInbox(aws, 'notifications');
    alerts = await createInbox(aws, 'alerts');
    env = {
      FRESHINDEX_INDEX_TABLE: names.indexTable,
      FRESHINDEX_CONTROL_TABLE: names.controlTable,
      FRESHINDEX_NOTIFICATIONS_TOPIC_ARN: notifications.topicArn,
      FRESHINDEX_ALERTS_TOPIC_ARN: alerts.topicArn,
      FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '50',
      FRESHINDEX_REBUILD_LEASE_SECONDS: '5',
    };
  });

  it('rebuilds a type, flips it live, stores its report and publishes it', async () => {
    // Act
    const exitCode = await runJob(config(), ['rebuild', '--type', 'video'], env, overrides());

    // Assess
    expect(exitCode).toBe(EXIT.ok);
    const pointer = await store.readPointer('video');
    expect(pointer).toMatchObject({ active: 2, previous: 1 });
    expect((await store.getRecords('video', 2, ['v7'])).get('v7')).toMatchObject({ version: 1, record: { title: 'title v7' } });
    expect(await control.latest('video')).toMatchObject({ status: 'succeeded', report: { counts: { scanned: 60, loaded: 60, generation: 60 } } });
    const [published] = await notifications.drain(1);
    expect(published).toMatchObject({ kind: 'build', type: 'video', outcome: 'succeeded', generation: 2 });
    expect(await alerts.drain(0, 0)).toEqual([]);
  });

  it('hands the process environment to the sources, so an HTTP source with auth.env rebuilds', async () => {
    // Prepare: the token lives in the job's environment, as docs/infrastructure.md says (jobs.environment).
    const withAuth: FreshindexConfigInput = {
      pointerCacheSeconds: 1,
      types: [{ name: 'video', source: { ...cms.sourceConfig(), auth: { env: 'CMS_TOKEN' } }, transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['v'] as number }],
    };

    // Act
    const exitCode = await runJob(withAuth, ['rebuild', '--type', 'video'], { ...env, CMS_TOKEN: 'secret' }, overrides());

    // Assess
    expect(exitCode).toBe(EXIT.ok);
    expect(await control.latest('video')).toMatchObject({ status: 'succeeded', report: { counts: { loaded: 60 } } });
  });

  it('exits 1, keeps the active generation and alerts when the gate fails', async () => {
    // Prepare
    await runJob(config(), ['rebuild', '--type', 'video'], env, overrides());
    const breaking = (doc: SourceDoc) => {
      if (Number(String(doc['id']).slice(1)) % 3 === 0) throw new Error('bad document');
      return { title: doc['title'] };
    };

    // Act
    const exitCode = await runJob(config(breaking), ['rebuild', '--type', 'video'], env, overrides());

    // Assess
    expect(exitCode).toBe(EXIT.failed);
    expect(await store.readPointer('video')).toMatchObject({ active: 2, previous: 1 });
    expect((await store.readPointer('video'))?.building).toBeUndefined();
    const [alert] = await alerts.drain(1);
    expect(alert).toMatchObject({ kind: 'build-failed', severity: 'critical', type: 'video' });
    expect(alert?.['details']).toMatchObject({ reasons: expect.arrayContaining([expect.stringMatching(/^the transform rejected 20 of 60 documents/)]) });
    expect(await control.latest('video')).toMatchObject({ status: 'failed', report: { outcome: 'failed', generation: 3 } });
  });

  it('publishes RebuildFailed 0 beside RebuildSucceeded when a build goes live and 1 when it fails, so the rebuild-failed alarm recovers', async () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-jobs' });
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockReturnThis();
    const breaking = (doc: SourceDoc) => {
      if (Number(String(doc['id']).slice(1)) % 3 === 0) throw new Error('bad document');
      return { title: doc['title'] };
    };

    // Act
    await runJob(config(), ['rebuild', '--type', 'video'], env, { ...overrides(), metrics });
    await runJob(config(breaking), ['rebuild', '--type', 'video'], env, { ...overrides(), metrics });

    // Assess
    const outcomes = added.mock.calls.filter(([name]) => name === 'RebuildSucceeded' || name === 'RebuildFailed').map(([name, , value]) => [name, value]);
    expect(outcomes).toEqual([['RebuildSucceeded', 1], ['RebuildFailed', 0], ['RebuildSucceeded', 0], ['RebuildFailed', 1]]);
  });

  it('publishes RebuildFailed 1 when a rebuild cannot run at all', async () => {
    // Prepare: the index table does not exist.
    const metrics = new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-jobs' });
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockReturnThis();

    // Act
    const exitCode = await runJob(config(), ['rebuild', '--type', 'video'], { ...env, FRESHINDEX_INDEX_TABLE: 'no-such-table', FRESHINDEX_CONTROL_TABLE: 'no-such-control' }, { ...overrides(), metrics });

    // Assess
    expect(exitCode).toBe(EXIT.error);
    expect(added.mock.calls.filter(([name]) => name.startsWith('Rebuild')).map(([name, , value]) => [name, value])).toEqual([['RebuildFailed', 1]]);
  });

  it('exits 130, records the build interrupted and discards its generation when stopped mid-scan', async () => {
    // Prepare: a slow source, and a stop (SIGINT) once the scan is under way.
    await runJob(config(), ['rebuild', '--type', 'video'], env, overrides());
    cms.delayMs = 100;
    cms.maxPage = 5;
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('received SIGINT')), 1_500).unref();

    // Act
    const exitCode = await runJob(config(), ['rebuild', '--type', 'video'], env, { ...overrides(), signal: stop.signal }).finally(() => {
      cms.delayMs = 0;
      cms.maxPage = 100;
    });

    // Assess
    expect(exitCode).toBe(EXIT.interrupted);
    expect(await control.latest('video')).toMatchObject({ status: 'interrupted', report: { outcome: 'interrupted', reasons: [expect.stringMatching(/received SIGINT/)] } });
    const pointer = await store.readPointer('video');
    expect(pointer).toMatchObject({ active: 2, previous: 1 });
    expect(pointer?.building).toBeUndefined();
  });

  it('exits 130 when stopped before it started the type it was asked for', async () => {
    // Prepare
    const stop = new AbortController();
    stop.abort(new Error('received SIGTERM'));

    // Act
    const exitCode = await runJob(config(), ['rebuild'], env, { ...overrides(), signal: stop.signal });

    // Assess
    expect(exitCode).toBe(EXIT.interrupted);
    expect(await store.readPointer('video')).toBeUndefined();
  });

  it('rebuilds every type one after another when no type is named', async () => {
    // Act
    const exitCode = await runJob(config(), ['rebuild'], env, overrides());

    // Assess
    expect(exitCode).toBe(EXIT.ok);
    expect(await store.readPointer('video')).toMatchObject({ active: 2 });
    expect(await store.readPointer('article')).toMatchObject({ active: 2 });
  });

  it('exits 3 without touching the pointer while another build holds the lease', async () => {
    // Prepare
    await control.acquire({ type: 'video', buildId: 'running', holder: 'elsewhere', acquiredAt: Date.now(), expiresAt: Date.now() + 60_000 }, Date.now());

    // Act
    const exitCode = await runJob(config(), ['rebuild', '--type', 'video'], { ...env, FRESHINDEX_REBUILD_LEASE_SECONDS: '1' }, overrides());

    // Assess
    expect(exitCode).toBe(EXIT.busy);
    expect(await store.readPointer('video')).toBeUndefined();
  });

  it('exits 2 naming the variable when the environment lacks a table', async () => {
    // Prepare
    const { FRESHINDEX_CONTROL_TABLE: _dropped, ...partial } = env;

    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const exitCode = await runJob(config(), ['rebuild'], partial, overrides());

    // Assess
    expect(exitCode).toBe(EXIT.usage);
    expect(stderr.mock.calls.join('')).toMatch(/FRESHINDEX_CONTROL_TABLE/);
    stderr.mockRestore();
  });

  it('exits 2 for a type the config does not declare', async () => {
    // Act
    const exitCode = await runJob(config(), ['rebuild', '--type', 'podcast'], env, overrides());

    // Assess
    expect(exitCode).toBe(EXIT.usage);
  });
});
