/**
 * The monitor's handler on the composition root's runtime, for each store (DynamoDB on the
 * emulator, a real redis-server): the scheduled checks publish their metrics and alert stuck jobs,
 * a FAILED job state change alerts, and other events are ignored. AWS Batch is the SDK stand-in
 * (test/support/batch.ts).
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime, type Runtime } from '../../../lambdas/adapters/compose/index.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { createMonitorHandler } from '../../../lambdas/handlers/monitor.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { standInBatch, type BatchStandIn } from '../../support/batch.ts';
import { MemoryNotifier } from '../../support/memory/index.ts';
import { useRedis } from '../../support/redis.ts';
import { createTables } from '../../support/tables.ts';

const QUEUE = 'arn:aws:batch:eu-west-1:123456789012:job-queue/freshindex';
const DAY = 86_400_000;
/** 06:00 UTC today: near the wall clock, because the Redis store expires build records from their start. */
const NOW = Math.floor(Date.now() / DAY) * DAY + 6 * 3_600_000;
const tables = { indexTable: 'monitor-index', controlTable: 'monitor-control' };
const configOf = (store: 'dynamodb' | 'redis') => ({
  store: { type: store },
  types: [{ name: 'video', source: { type: 'jsonl' as const, path: '/dev/null' }, transform: (doc: SourceDoc) => doc, version: () => 1, rebuild: { schedule: 'cron(0 3 * * ? *)' } }],
});
const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

describe('the monitor handler', () => {
  const redis = useRedis();
  let aws: AwsTestEnv;
  const opened: Runtime[] = [];

  beforeAll(async () => {
    aws = await startAws();
    await createTables(aws.dynamodb, tables);
  });
  afterAll(async () => {
    await Promise.all(opened.map((runtime) => runtime.close()));
    await aws.stop();
  });

  const setUp = (store: 'dynamodb' | 'redis') => {
    const batch = new BatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const standIn: BatchStandIn = standInBatch(batch, { parent: { jobId: 'other', jobQueue: 'other-queue', jobDefinition: 'd' }, env: {} });
    const notifier = new MemoryNotifier();
    const runtime = createRuntime(configOf(store), { ...tables, redisUrl: redis.server.url, jobQueue: QUEUE }, { dynamodb: aws.dynamodb, batch, notifier, clock: () => NOW });
    opened.push(runtime);
    const metrics = new Metrics({ namespace: 'test', serviceName: 'monitor' });
    const added = vi.spyOn(metrics, 'addMetric');
    const dimensions = vi.spyOn(metrics, 'addDimension');
    const handler = createMonitorHandler(configOf(store), { runtime, env: { FRESHINDEX_MONITOR_STUCK_MINUTES: '20' }, metrics });
    return { runtime, standIn, notifier, handler, added, dimensions };
  };

  describe.each(['dynamodb', 'redis'] as const)('with store %s', (store) => {
    it("publishes the type's quarantine size and overdue rebuild, and the stuck jobs, each scheduled run", async () => {
      const { runtime, standIn, notifier, handler, added, dimensions } = setUp(store);
      await runtime.quarantine.add({ type: 'video', id: `q-${store}`, since: NOW, differences: 3, lastDifference: 'title', cleanChecks: 0 });
      await runtime.builds.save({ type: 'video', buildId: `b-${store}`, holder: 'batch:j', status: 'succeeded', phase: 'done', startedAt: NOW - DAY - 3 * 3_600_000 + 4 * 60_000, updatedAt: NOW, progress: { done: 0, perSecond: 0 } });
      standIn.add({ jobId: `stuck-${store}`, jobArn: `arn:aws:batch:eu-west-1:123456789012:job/stuck-${store}`, jobName: 'freshindex-audit-video-1', jobQueue: QUEUE, jobDefinition: 'd', status: 'RUNNABLE', createdAt: NOW - 25 * 60_000, container: { command: ['node', 'dist/job.mjs', 'audit', '--type', 'video'] } } as never);

      const outcome = await handler(scheduled);

      expect(outcome.kind).toBe('scheduled');
      expect(dimensions).toHaveBeenCalledWith('type', 'video');
      expect(added.mock.calls).toEqual([
        ['MonitorQuarantined', 'Count', 1],
        ['MonitorRebuildOverdue', 'Count', 1],
        ['MonitorJobsStuck', 'Count', 1],
      ]);
      expect(notifier.alerts).toEqual([expect.objectContaining({ kind: 'batch-job-stuck', type: 'video', details: expect.objectContaining({ jobId: `stuck-${store}`, minutesRunnable: 25 }) })]);
    });

    it('alerts batch-job-failed for a job state change to FAILED', async () => {
      const { handler, notifier } = setUp(store);

      const outcome = await handler({
        source: 'aws.batch',
        'detail-type': 'Batch Job State Change',
        detail: { jobId: 'j-9', jobName: 'freshindex-rebuild-video-9', jobQueue: QUEUE, status: 'FAILED', statusReason: 'Essential container in task exited', createdAt: NOW, container: { command: ['node', 'dist/job.mjs', 'rebuild', '--type', 'video'], logStreamName: 'job/default/9' } },
      });

      expect(outcome).toEqual({ kind: 'job-failed', jobId: 'j-9', alerted: true });
      expect(notifier.alerts).toEqual([
        expect.objectContaining({ kind: 'batch-job-failed', type: 'video', details: expect.objectContaining({ jobId: 'j-9', jobQueue: QUEUE, statusReason: 'Essential container in task exited', logStreamName: 'job/default/9' }) }),
      ]);
    });
  });

  it('ignores a job state change to another status, and one it cannot read, without alerting', async () => {
    const { handler, notifier } = setUp('dynamodb');

    const running = await handler({ source: 'aws.batch', 'detail-type': 'Batch Job State Change', detail: { jobId: 'j-1', status: 'RUNNING' } });
    const unreadable = await handler({ source: 'aws.batch', 'detail-type': 'Batch Job State Change', detail: { status: 'FAILED' } });

    expect([running.kind, unreadable.kind]).toEqual(['ignored', 'ignored']);
    expect(notifier.alerts).toEqual([]);
  });

  it("fails the run when the job queue cannot be read, after publishing each type's figures", async () => {
    const { runtime, handler, added } = setUp('dynamodb');
    runtime.jobWatch.runnableSince = async () => {
      throw new Error('AccessDeniedException: not authorized to perform batch:ListJobs');
    };

    const run = handler(scheduled);

    await expect(run).rejects.toThrow(/could not read everything: stuck jobs: .*batch:ListJobs/);
    expect(added.mock.calls.map(([name]) => name)).toEqual(['MonitorQuarantined', 'MonitorRebuildOverdue']);
  });
});
