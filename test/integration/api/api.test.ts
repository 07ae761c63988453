import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiLog, BuildRequest } from '../../../lambdas/api/ports.ts';
import { DynamoAuditReportStore } from '../../../lambdas/adapters/dynamodb/audit-reports.ts';
import { DynamoBuildControl } from '../../../lambdas/adapters/dynamodb/builds.ts';
import { DynamoDifferenceCounters } from '../../../lambdas/adapters/dynamodb/checks.ts';
import { DynamoBuildReservations } from '../../../lambdas/adapters/dynamodb/reservations.ts';
import { createTables } from '../../support/tables.ts';
import { createApiHandler } from '../../../lambdas/handlers/api.ts';
import { startApiServer, type ApiServer } from '../../../lambdas/local/api-server.ts';
import { createRuntime, type Runtime } from '../../../lambdas/adapters/compose/index.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { nextPointer } from '../../../lambdas/core/pointer.ts';
import { ensurePointer } from '../../../lambdas/core/pointer-cache.ts';
import { settlingReservation } from '../../../lambdas/core/rebuild/reservation.ts';
import { createReader, sourceFallback } from '../../../lambdas/reader/index.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';

const tables = { indexTable: 'api-index', controlTable: 'api-control' };
const env = { FRESHINDEX_INDEX_TABLE: tables.indexTable, FRESHINDEX_CONTROL_TABLE: tables.controlTable };
const quietLog: ApiLog = { info() {}, error() {} };

let aws: AwsTestEnv;
let cms: CmsServer;
let runtime: Runtime;
let server: ApiServer;
const submitted: BuildRequest[] = [];

const config = () => ({
  types: [
    {
      name: 'video',
      source: cmsSource(cms),
      transform: (doc: Record<string, unknown>) => ({ title: doc['title'] }),
      version: (doc: Record<string, unknown>) => doc['version'] as number,
    },
  ],
});

beforeAll(async () => {
  aws = await startAws();
  cms = await startCmsServer();
  await createTables(aws.dynamodb, tables);
  runtime = createRuntime(config(), tables, { dynamodb: aws.dynamodb });
  server = await startApiServer({
    config: config(),
    env,
    dynamodb: aws.dynamodb,
    launcher: { submit: async (request) => (submitted.push(request), { jobId: 'job-1', jobName: 'freshindex-rebuild-video' }) },
    log: quietLog,
  });
});

afterAll(async () => {
  await server.close();
  await cms.stop();
  await aws.stop();
});

/** What a rebuild job does with the control table from its start to its end: takes the lease (settling its reservation) and gives it back. */
async function jobRan(jobId: string): Promise<void> {
  const control = new DynamoBuildControl(aws.doc, tables.controlTable);
  const leases = settlingReservation(control, new DynamoBuildReservations(aws.doc, tables.controlTable), jobId, (error) => {
    throw error;
  });
  const lease = { type: 'video', buildId: `build-of-${jobId}`, holder: `batch:${jobId}`, acquiredAt: Date.now(), expiresAt: Date.now() + 60_000 };
  await leases.acquire(lease, Date.now());
  await leases.release(lease);
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', json: (await response.json()) as Record<string, unknown> };
}

describe('ops API on DynamoDB, over HTTP', () => {
  it('reindexes a resource from the CMS and then shows it equal to its source', async () => {
    cms.docs.set('v1', { id: 'v1', title: 'First', version: 3 });

    const reindex = await call('POST', '/v1/types/video/records/v1/reindex');
    const record = await call('GET', '/v1/types/video/records/v1');

    expect(reindex.json).toEqual({ type: 'video', id: 'v1', outcome: 'applied', op: 'upsert', version: 3 });
    expect(record.json).toMatchObject({ index: { version: 3, record: { title: 'First' } }, comparison: { equal: true } });
  });

  it('shows a record corrupted in the index as different from its source', async () => {
    cms.docs.set('v2', { id: 'v2', title: 'Right', version: 1 });
    const pointer = await ensurePointer(runtime.pointerStore, 'video', Date.now());
    await runtime.records.bulkPut('video', pointer.active, [
      { type: 'video', id: 'v2', generation: pointer.active, version: 1, hash: contentHash({ title: 'Right' }), deleted: false, writtenAt: Date.now(), record: { title: 'Wrong' } },
    ]);

    const record = await call('GET', '/v1/types/video/records/v2');

    expect(record.json['comparison']).toMatchObject({ equal: false, difference: { kind: 'content' } });
  });

  it('shows the status of every type with its generations and quarantined count', async () => {
    await ensurePointer(runtime.pointerStore, 'video', Date.now());

    const status = await call('GET', '/v1/types');

    expect(status.json['types']).toEqual([expect.objectContaining({ type: 'video', indexed: true, lastBuild: null, lastAudit: null })]);
  });

  it('counts the live records of the active generation on demand', async () => {
    cms.docs.set('c1', { id: 'c1', title: 'Counted', version: 1 });
    await call('POST', '/v1/types/video/records/c1/reindex');

    const status = await call('GET', '/v1/types/video?count=exact');

    expect((status.json['records'] as { active: { count: number; countedBy: string } }).active).toMatchObject({ countedBy: 'scan', count: expect.any(Number) });
    expect((status.json['records'] as { active: { count: number } }).active.count).toBeGreaterThanOrEqual(1);
  });

  it('rolls a type back to its previous generation', async () => {
    // Two builds flipped: generation n+1 serves, n (a complete build) is previous.
    const initial = await ensurePointer(runtime.pointerStore, 'video', Date.now());
    const n = initial.nextGeneration;
    const before = nextPointer(initial, { active: n, previous: initial.active, nextGeneration: n + 1 }, Date.now());
    await runtime.pointerStore.swapPointer(initial, before);
    await runtime.pointerStore.swapPointer(before, nextPointer(before, { active: n + 1, previous: n, nextGeneration: n + 2 }, Date.now()));

    const rollback = await call('POST', '/v1/types/video/rollback');

    expect(rollback.json).toEqual({ type: 'video', from: n + 1, to: n });
    expect((await runtime.pointerStore.readPointer('video'))?.active).toBe(n);
  });

  it('submits a rebuild and answers 202', async () => {
    const rebuild = await call('POST', '/v1/types/video/rebuild', { reason: 'new transform' });
    await jobRan('job-1');

    expect(rebuild.status).toBe(202);
    expect(submitted.at(-1)).toEqual({ type: 'video', reason: 'new transform' });
  });

  it('accepts one rebuild from the request on: a second request is refused until the first job has run', async () => {
    const before = submitted.length;
    const first = await call('POST', '/v1/types/video/rebuild');
    const second = await call('POST', '/v1/types/video/rebuild');
    await jobRan('job-1');

    const third = await call('POST', '/v1/types/video/rebuild');
    await jobRan('job-1');

    expect([first.status, second.status, third.status]).toEqual([202, 409, 202]);
    expect(second.json['detail']).toMatch(/^a rebuild of "video" was requested at \S+ \(job job-1\) and has not started yet/);
    expect(submitted.length - before).toBe(2);
  });

  it('lists and releases a quarantined resource, clearing its difference counters', async () => {
    await runtime.quarantine.add({ type: 'video', id: 'q1', since: Date.now(), differences: 3, lastDifference: 'content differs', cleanChecks: 0 });
    const counters = new DynamoDifferenceCounters(aws.doc, tables.controlTable);
    await counters.recordDifference('video', 'q1', { at: Date.now(), summary: 'content differs' }, Date.now() + 60_000);

    const listed = await call('GET', '/v1/types/video/quarantine');
    const released = await call('DELETE', '/v1/types/video/quarantine/q1');
    const again = await call('DELETE', '/v1/types/video/quarantine/q1');

    expect(listed.json).toMatchObject({ count: 1, items: [{ id: 'q1', differences: 3 }] });
    expect(released.json).toEqual({ type: 'video', id: 'q1', released: true });
    expect(await counters.get('video', 'q1')).toBeUndefined();
    expect(again.status).toBe(404);
  });

  it('answers validation errors and unknown types as problem details', async () => {
    const invalid = await call('GET', '/v1/types/NOT_A_TYPE');
    const unknown = await call('GET', '/v1/types/podcast/quarantine');

    expect([invalid.status, invalid.type, (invalid.json['errors'] as Array<{ field: string }>)[0]?.field]).toEqual([400, expect.stringContaining('application/problem+json'), 'params.type']);
    expect([unknown.status, unknown.json['detail']]).toEqual([404, 'unknown resource type "podcast"']);
  });

  it('serves its OpenAPI document', async () => {
    const document = await call('GET', '/v1/openapi.json');

    expect(Object.keys(document.json['paths'] as object)).toContain('/v1/types/{type}/records/{id}/reindex');
  });
});

describe('quarantine seen by the reader', () => {
  it('serves a quarantined resource from the source until the API releases it', async () => {
    cms.docs.set('r1', { id: 'r1', title: 'From the CMS', version: 1 });
    await call('POST', '/v1/types/video/records/r1/reindex');
    await runtime.quarantine.add({ type: 'video', id: 'r1', since: Date.now(), differences: 3, lastDifference: 'x', cleanChecks: 0 });
    cms.docs.set('r1', { id: 'r1', title: 'Edited in the CMS', version: 2 });
    let now = 0;
    const reader = createReader({ dynamodb: aws.dynamodb, ...tables, pointerCacheMs: 1_000, clock: () => now, fallback: sourceFallback(config()) });

    const quarantined = await reader.get('video', 'r1');
    await call('DELETE', '/v1/types/video/quarantine/r1');
    now += 1_000;
    const released = await reader.get('video', 'r1');

    expect([quarantined.from, quarantined.record]).toEqual(['fallback', { title: 'Edited in the CMS' }]);
    expect([released.from, released.record]).toEqual(['index', { title: 'From the CMS' }]);
  });
});

describe('Lambda handler (API Gateway HTTP API, payload 2.0)', () => {
  const context = { awsRequestId: 'req-1', callbackWaitsForEmptyEventLoop: true } as unknown as Context;
  const event = (method: string, path: string, body?: unknown): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: '',
      headers: { host: 'api.example.com', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      requestContext: {
        accountId: '123456789012',
        apiId: 'api',
        domainName: 'api.example.com',
        domainPrefix: 'api',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'test' },
        requestId: 'gw-1',
        routeKey: '$default',
        stage: '$default',
        time: '',
        timeEpoch: 0,
        authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/operator' } },
      },
      isBase64Encoded: false,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }) as unknown as APIGatewayProxyEventV2;

  it('answers a route and passes the IAM caller to the rebuild launcher', async () => {
    const requests: BuildRequest[] = [];
    const handler = createApiHandler(config(), {
      env,
      dynamodb: aws.dynamodb,
      launcher: { submit: async (request) => (requests.push(request), { jobId: 'j', jobName: 'n' }) },
      log: quietLog,
    });

    const response = await handler(event('POST', '/v1/types/video/rebuild', {}), context);
    await jobRan('j');

    expect(response.statusCode).toBe(202);
    expect(requests).toEqual([{ type: 'video', requestedBy: 'arn:aws:iam::123456789012:user/operator' }]);
  });

  it('answers 501 for a rebuild when no job queue is configured', async () => {
    const handler = createApiHandler(config(), { env, dynamodb: aws.dynamodb, log: quietLog });

    const response = await handler(event('POST', '/v1/types/video/rebuild'), context);

    expect(response.statusCode).toBe(501);
    expect(JSON.parse(response.body)).toMatchObject({ title: 'Not available in this deployment' });
  });

  it('never leaks a stack trace when the store fails', async () => {
    const errors: unknown[] = [];
    const handler = createApiHandler(config(), { env: { ...env, FRESHINDEX_INDEX_TABLE: 'no-such-table' }, dynamodb: aws.dynamodb, log: { info() {}, error: (_m, a) => errors.push(a) } });

    const response = await handler(event('GET', '/v1/types/video/records/v1'), context);

    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).not.toMatch(/ResourceNotFound|no-such-table|stack|at .*\.ts/);
  });
});

describe('status from the control table', () => {
  it('shows the latest build and audit reports and the counts they recorded', async () => {
    const type = 'video';
    const pointer = await ensurePointer(runtime.pointerStore, type, Date.now());
    const now = Date.now();
    await new DynamoBuildControl(aws.doc, tables.controlTable).save({
      type, buildId: 'b-1', holder: 'test', status: 'succeeded', phase: 'done', generation: pointer.active,
      startedAt: now - 1_000, updatedAt: now, finishedAt: now, progress: { done: 7, perSecond: 7 },
      report: {
        type, buildId: 'b-1', outcome: 'succeeded', reasons: [], generation: pointer.active, startedAt: now - 1_000, finishedAt: now, durationMs: 1_000,
        counts: { scanned: 7, loaded: 7, transformErrors: 0, tombstonesCarried: 0, replayed: 0, generation: 7 },
        throughput: { loadPerSecond: 7, overallPerSecond: 7 }, errorSamples: [], retired: [],
      },
    });
    await new DynamoAuditReportStore(aws.doc, tables.controlTable).save({
      type, generation: pointer.active, startedAt: new Date(now - 60_000).toISOString(), finishedAt: new Date(now - 59_000).toISOString(), durationMs: 1_000,
      sourceCount: 6, indexCount: 6, missing: 0, extra: 0, different: 0, transformErrors: 0, repaired: 0, repairsDeferred: 0, repairsRefused: 0,
      alerted: false, samples: { missing: [], extra: [], different: [], transformErrors: [] },
    });

    const status = await call('GET', `/v1/types/${type}`);

    expect(status.json).toMatchObject({
      records: { active: { count: 7, countedBy: 'build' } },
      lastBuild: { buildId: 'b-1', status: 'succeeded', report: { counts: { generation: 7 } } },
      lastAudit: { indexCount: 6 },
    });
  });
});
