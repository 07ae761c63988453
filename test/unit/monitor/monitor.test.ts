import { describe, expect, it } from 'vitest';
import { jobFromDetail, reportFailedJob, runScheduledChecks, STUCK_ALERTED_TAG } from '../../../lambdas/core/monitor/monitor.ts';
import { buildStarted, monitorWorld, QUEUE, queuedJob } from './world.ts';

const failedRebuild = {
  jobId: 'j-1',
  jobArn: 'arn:aws:batch:eu-west-1:123456789012:job/j-1',
  jobName: 'freshindex-rebuild-video-1767',
  jobQueue: QUEUE,
  status: 'FAILED',
  statusReason: 'OutOfMemoryError: Container killed due to memory usage',
  createdAt: 0,
  container: { command: ['node', 'dist/job.mjs', 'rebuild', '--type', 'video'], logStreamName: 'freshindex-job/default/abc' },
};

describe('the monitor on a job that failed', () => {
  it('alerts batch-job-failed with the job, its queue, its reason and its log stream', async () => {
    const world = monitorWorld();

    await reportFailedJob(world.deps, jobFromDetail(failedRebuild));

    expect(world.notifier.alerts).toEqual([
      expect.objectContaining({
        kind: 'batch-job-failed',
        severity: 'critical',
        type: 'video',
        details: expect.objectContaining({
          jobId: 'j-1',
          jobName: 'freshindex-rebuild-video-1767',
          jobQueue: QUEUE,
          statusReason: 'OutOfMemoryError: Container killed due to memory usage',
          logStreamName: 'freshindex-job/default/abc',
        }),
      }),
    ]);
    expect(world.notifier.alerts[0]?.action).toContain('`freshindex rebuild video`');
  });

  it("takes the log stream of the job's last attempt when the container names none", async () => {
    const world = monitorWorld();
    const { container: _container, ...withoutContainer } = failedRebuild;

    await reportFailedJob(world.deps, jobFromDetail({ ...withoutContainer, tags: { 'freshindex:type': 'video', 'freshindex:job': 'audit' }, attempts: [{ container: { logStreamName: 'first' } }, { container: { logStreamName: 'second' } }] }));

    expect(world.notifier.alerts[0]).toMatchObject({ type: 'video', details: { logStreamName: 'second', command: 'audit' } });
  });

  it('sends nothing for a rebuild that exited 1: it sent its own build-failed alert with the gate\'s reasons', async () => {
    const world = monitorWorld();

    const alert = await reportFailedJob(world.deps, jobFromDetail({ ...failedRebuild, statusReason: 'Essential container in task exited', container: { ...failedRebuild.container, exitCode: 1 } }));

    expect(alert).toBeUndefined();
    expect(world.notifier.alerts).toEqual([]);
  });

  it('warns, without paging, about a job that exited 3 because another build held the lease', async () => {
    const world = monitorWorld();

    await reportFailedJob(world.deps, jobFromDetail({ ...failedRebuild, statusReason: 'Essential container in task exited', attempts: [{ container: { exitCode: 3 } }] }));

    expect(world.notifier.alerts).toEqual([expect.objectContaining({ kind: 'batch-job-failed', severity: 'warning', summary: expect.stringContaining('another build of it was running') })]);
  });

  it('sends nothing for the child of an array job (its parent reports)', async () => {
    const world = monitorWorld();

    const alert = await reportFailedJob(world.deps, jobFromDetail({ ...failedRebuild, jobId: 'j-1:3', arrayProperties: { index: 3 } }));

    expect(alert).toBeUndefined();
    expect(world.notifier.alerts).toEqual([]);
  });
});

describe('the monitor on its schedule: jobs stuck in RUNNABLE', () => {
  it('alerts batch-job-stuck once for a job RUNNABLE longer than the threshold, over several runs', async () => {
    const world = monitorWorld();
    queuedJob(world, 'j-stuck', 31);

    const first = await runScheduledChecks(world.deps);
    world.clock.advance(5 * 60_000);
    const second = await runScheduledChecks(world.deps);

    expect(world.notifier.alerts).toEqual([
      expect.objectContaining({
        kind: 'batch-job-stuck',
        type: 'video',
        details: expect.objectContaining({ jobId: 'j-stuck', jobName: 'freshindex-rebuild-video-j-stuck', minutesRunnable: 31, statusReason: 'CAPACITY:INSUFFICIENT_FARGATE_CAPACITY' }),
      }),
    ]);
    expect([first.jobsStuck, second.jobsStuck]).toEqual([1, 1]);
    expect(world.batch.job('j-stuck')?.tags?.[STUCK_ALERTED_TAG]).toBeDefined();
  });

  it('leaves alone a job RUNNABLE for less than the threshold, and jobs in other states', async () => {
    const world = monitorWorld();
    queuedJob(world, 'j-young', 29);
    queuedJob(world, 'j-running', 90, { status: 'RUNNING' });

    const report = await runScheduledChecks(world.deps);

    expect(report.jobsStuck).toBe(0);
    expect(world.notifier.alerts).toEqual([]);
  });

  it('counts a job as stuck after the threshold the options give', async () => {
    const world = monitorWorld();
    queuedJob(world, 'j-10', 11);

    const report = await runScheduledChecks(world.deps, { stuckAfterMinutes: 10 });

    expect(report.jobsStuck).toBe(1);
    expect(world.notifier.alerts.map((alert) => alert.details['jobId'])).toEqual(['j-10']);
  });

  it('still reports every type when the job queue cannot be read, naming the problem', async () => {
    const world = monitorWorld();
    world.client.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
      },
      { step: 'initialize', name: 'refuse', priority: 'high' },
    );

    const report = await runScheduledChecks(world.deps);

    expect(report.jobsStuck).toBeNull();
    expect(report.types.map((type) => type.type)).toEqual(['video', 'article']);
    expect(report.problems).toEqual([expect.stringContaining('cannot list the RUNNABLE jobs of arn:aws:batch:eu-west-1:123456789012:job-queue/freshindex: TooManyRequestsException: Rate exceeded')]);
  });
});

describe('the monitor on its schedule: each type', () => {
  it("reports each type's quarantined resources", async () => {
    const world = monitorWorld();
    for (const id of ['a', 'b']) await world.quarantine.add({ type: 'video', id, since: 0, differences: 3, lastDifference: 'title', cleanChecks: 0 });

    const report = await runScheduledChecks(world.deps);

    expect(report.types.map(({ type, quarantined }) => ({ type, quarantined }))).toEqual([
      { type: 'video', quarantined: 2 },
      { type: 'article', quarantined: 0 },
    ]);
  });

  it('reports a nightly rebuild overdue only once its next scheduled run plus the grace period has passed', async () => {
    const world = monitorWorld();
    await world.builds.save(buildStarted('video', Date.parse('2026-01-09T03:05:00Z')));

    const withinGrace = await runScheduledChecks(world.deps);
    world.clock.now = Date.parse('2026-01-10T05:01:00Z');
    const pastGrace = await runScheduledChecks(world.deps);

    expect(withinGrace.types[0]).toMatchObject({ type: 'video', rebuildOverdue: false, rebuildDueBy: '2026-01-10T05:00:00.000Z' });
    expect(pastGrace.types[0]).toMatchObject({ type: 'video', rebuildOverdue: true });
  });

  it("reads a rate schedule's interval from the last rebuild's start, with the grace the options give", async () => {
    const world = monitorWorld();
    await world.builds.save(buildStarted('article', world.clock.now - 12.5 * 3_600_000, 'failed'));

    const defaultGrace = await runScheduledChecks(world.deps);
    const shortGrace = await runScheduledChecks(world.deps, { rebuildGraceMs: 15 * 60_000 });

    expect(defaultGrace.types[1]).toMatchObject({ type: 'article', rebuildOverdue: false });
    expect(shortGrace.types[1]).toMatchObject({ type: 'article', rebuildOverdue: true });
  });

  it('does not call a type that was never rebuilt overdue', async () => {
    const world = monitorWorld();

    const report = await runScheduledChecks(world.deps);

    expect(report.types.map((type) => [type.type, type.rebuildOverdue, type.lastRebuildStartedAt])).toEqual([
      ['video', false, null],
      ['article', false, null],
    ]);
  });
});
