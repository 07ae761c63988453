/**
 * `freshindex audit TYPE --endpoint URL` against the real ops API on in-memory ports
 * (test/unit/api/support.ts) served on loopback: the route submits the audit job to a launcher
 * that plays the job (its report lands in the status reader a moment later), and the CLI waits
 * for the report of its own submission.
 */
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../lambdas/core/audit/report.ts';
import { waitForAudit } from '../../../lambdas/cli/commands/audit.ts';
import { createHttpClient } from '../../../lambdas/cli/http.ts';
import { apiWorld, type ApiWorld } from '../../unit/api/support.ts';
import { cliAt, serveOnLoopback } from './support.ts';

function report(startedAt: number, overrides: Partial<AuditReport> = {}): AuditReport {
  return {
    type: 'video', generation: 3, startedAt: new Date(startedAt).toISOString(), finishedAt: new Date(startedAt + 1_000).toISOString(), durationMs: 1_000,
    sourceCount: 10, indexCount: 9, missing: 1, extra: 0, different: 0, transformErrors: 0, repaired: 1, repairsDeferred: 0, repairsRefused: 0,
    alerted: false, samples: { missing: ['v-1'], extra: [], different: [], transformErrors: [] }, ...overrides,
  };
}

describe('freshindex audit --endpoint', () => {
  let world: ApiWorld;
  let endpoint: string;

  /** The audit job as the launcher plays it: its report lands `afterMs` after the submission. */
  const auditJobReports = (afterMs: number, overrides: Partial<AuditReport> = {}) => {
    world.launcher.submit = async (request) => {
      world.launcher.submitted.push(request);
      const startedAt = world.clock.now;
      setTimeout(() => (world.status.audit = report(startedAt, overrides)), afterMs);
      return { jobId: 'job-audit-1', jobName: 'freshindex-audit-video-1' };
    };
  };

  beforeEach(async () => {
    world = await apiWorld();
    endpoint = await serveOnLoopback(world.app);
  });
  afterEach(async () => {
    await world.app.close();
  });

  it("submits the audit job through the ops API and prints the report of this job, not the previous one", async () => {
    world.status.audit = report(world.clock.now - 3_600_000, { missing: 0, indexCount: 10, repaired: 0 });
    auditJobReports(1_200);

    const result = await cliAt(endpoint, ['audit', 'video']);

    expect(result.code).toBe(0);
    expect(world.launcher.submitted).toEqual([{ type: 'video', job: 'audit' }]);
    expect(result.stderr).toContain('video: audit submitted (job job-audit-1), waiting for its report');
    expect(result.stdout).toBe('video: audited generation 3: source 10, index 9; 1 missing, 0 extra, 0 different; 1 repaired\n');
  });

  it('prints the job and the report as one JSON document with --json', async () => {
    auditJobReports(0);

    const result = await cliAt(endpoint, ['--json', 'audit', 'video']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'video', jobId: 'job-audit-1', audit: { missing: 1, repaired: 1 } });
  });

  it('returns once the job is submitted with --no-wait', async () => {
    const result = await cliAt(endpoint, ['audit', 'video', '--no-wait']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('video: audit submitted (job job-1); its report shows in `freshindex status video`\n');
  });

  it('exits 1 naming the job when no report comes within --wait-timeout', async () => {
    world.status.audit = report(world.clock.now - 60_000);

    const result = await cliAt(endpoint, ['audit', 'video', '--wait-timeout', '1']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no report of the audit job job-1 (freshindex-rebuild-video) within 1 s');
  });

  it('exits 3 for an unknown type without submitting anything', async () => {
    const result = await cliAt(endpoint, ['audit', 'podcast']);

    expect(result.code).toBe(3);
    expect(world.launcher.submitted).toEqual([]);
  });

  it('fails at once, naming the job and its last line, when the local job ends without a report', async () => {
    const api = createHttpClient({ baseUrl: endpoint, name: 'the ops API' });
    const submitted = { type: 'video', jobId: 'local-1', jobName: 'freshindex-audit-video-1', submittedAt: new Date(world.clock.now).toISOString() };

    const waiting = waitForAudit(api, submitted, 60_000, async () => ({ ended: true, detail: 'exit code 70: source answered 401' }));

    await expect(waiting).rejects.toMatchObject({ message: 'the audit job local-1 ended without a report (exit code 70: source answered 401)', exitCode: 1 });
  });

  it('says so when the deployed ops API predates the audit route', async () => {
    const old = Fastify();
    old.setNotFoundHandler((request, reply) => reply.code(404).type('application/problem+json').send({ status: 404, title: 'Not found', detail: `no route ${request.method} ${request.url}` }));

    const result = await cliAt(await serveOnLoopback(old), ['audit', 'video']);
    await old.close();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('its ops API has no audit route');
  });
});
