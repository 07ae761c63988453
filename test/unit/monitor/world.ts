/**
 * The monitor's world in memory: two types (video rebuilt nightly at 03:00 UTC, article every 12
 * hours), the in-memory control store and quarantine, a recording notifier, and the real Batch
 * adapter over the SDK stand-in of AWS Batch (test/support/batch.ts).
 */
import { BatchClient, type JobDetail } from '@aws-sdk/client-batch';
import { BatchJobWatch } from '../../../lambdas/adapters/batch/job-watch.ts';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import type { MonitorDeps } from '../../../lambdas/core/monitor/monitor.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import type { BuildRecord } from '../../../lambdas/core/rebuild/report.ts';
import { standInBatch, type BatchStandIn } from '../../support/batch.ts';
import { MemoryControl, MemoryNotifier, MemoryQuarantine } from '../../support/memory/index.ts';
import { testClock } from '../verify/world.ts';

export const QUEUE = 'arn:aws:batch:eu-west-1:123456789012:job-queue/freshindex';

export interface MonitorWorld {
  deps: MonitorDeps;
  batch: BatchStandIn;
  client: BatchClient;
  builds: MemoryControl;
  quarantine: MemoryQuarantine;
  notifier: MemoryNotifier;
  clock: ReturnType<typeof testClock>;
}

/** The world at `now` (default 2026-01-10T04:00:00Z). */
export function monitorWorld(now = Date.parse('2026-01-10T04:00:00Z')): MonitorWorld {
  const config = validateConfig({
    types: [
      { name: 'video', source: { type: 'jsonl', path: 'unused.jsonl' }, transform: (doc: SourceDoc) => doc, version: () => 1, rebuild: { schedule: 'cron(0 3 * * ? *)' } },
      { name: 'article', source: { type: 'jsonl', path: 'unused.jsonl' }, transform: (doc: SourceDoc) => doc, version: () => 1, rebuild: { schedule: 'rate(12 hours)' } },
    ],
  });
  const clock = testClock(now);
  const client = new BatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const batch = standInBatch(client, { parent: { jobId: 'unrelated', jobQueue: 'another-queue', jobDefinition: 'd' }, env: {} });
  const builds = new MemoryControl();
  const quarantine = new MemoryQuarantine();
  const notifier = new MemoryNotifier();
  const deps: MonitorDeps = { types: config.types, builds, quarantine, notifier, jobs: new BatchJobWatch({ client, jobQueue: QUEUE, clock }), clock };
  return { deps, batch, client, builds, quarantine, notifier, clock };
}

/** A job of freshindex's queue, `minutesAgo` after its submission. */
export function queuedJob(world: MonitorWorld, jobId: string, minutesAgo: number, overrides: Partial<JobDetail> = {}): JobDetail {
  const job = {
    jobId,
    jobArn: `arn:aws:batch:eu-west-1:123456789012:job/${jobId}`,
    jobName: `freshindex-rebuild-video-${jobId}`,
    jobQueue: QUEUE,
    jobDefinition: 'freshindex-job',
    status: 'RUNNABLE',
    statusReason: 'CAPACITY:INSUFFICIENT_FARGATE_CAPACITY',
    createdAt: world.clock.now - minutesAgo * 60_000,
    container: { command: ['node', 'dist/job.mjs', 'rebuild', '--type', 'video'] },
    tags: { 'freshindex:type': 'video' },
    ...overrides,
  } as JobDetail;
  world.batch.add(job);
  return job;
}

/** A build record of `type` started at `startedAt`. */
export function buildStarted(type: string, startedAt: number, status: BuildRecord['status'] = 'succeeded'): BuildRecord {
  return { type, buildId: `b-${startedAt}`, holder: 'batch:job', status, phase: 'done', startedAt, updatedAt: startedAt, progress: { done: 0, perSecond: 0 } } as BuildRecord;
}
