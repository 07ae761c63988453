/**
 * What the CLI prints, against the real ops API on in-memory ports (test/unit/api/support.ts)
 * served on loopback and reached with --endpoint: the status of a running build, the progress
 * bar, the audit line, and an endpoint where nothing listens.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../lambdas/core/audit/report.ts';
import type { BuildProgress, BuildRecord } from '../../../lambdas/core/rebuild/report.ts';
import { apiWorld, type ApiWorld } from '../../unit/api/support.ts';
import { cliAt, serveOnLoopback } from './support.ts';

/** Captures what is drawn on a terminal. */
class Terminal extends Writable {
  readonly isTTY = true;
  readonly columns = 160;
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function build(progress: BuildProgress, overrides: Partial<BuildRecord> = {}): BuildRecord {
  return { type: 'video', buildId: 'b-4', holder: 'batch:job-1', status: 'running', phase: 'loading', generation: 4, startedAt: 0, updatedAt: 0, progress, ...overrides };
}

function audit(overrides: Partial<AuditReport> = {}): AuditReport {
  return {
    type: 'video', generation: 3, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', durationMs: 60_000,
    sourceCount: 10, indexCount: 10, missing: 0, extra: 0, different: 0, transformErrors: 0, repaired: 0, repairsDeferred: 0, repairsRefused: 0,
    alerted: false, samples: { missing: [], extra: [], different: [], transformErrors: [] }, ...overrides,
  };
}

describe('what the CLI prints', () => {
  let world: ApiWorld;
  let endpoint: string;

  const run = (argv: readonly string[], progressStream?: Terminal) => cliAt(endpoint, argv, progressStream as unknown as NodeJS.WriteStream | undefined);

  beforeEach(async () => {
    world = await apiWorld();
    endpoint = await serveOnLoopback(world.app);
  });
  afterEach(async () => {
    await world.app.close();
  });

  it("shows a running build's items so far while the source's total is unknown", async () => {
    world.status.builds = [build({ done: 0, perSecond: 0 })];

    const result = await run(['status', 'video']);

    expect(result.stdout).toContain('  last build:  running (loading), generation 4: 0 items so far, 0/s\n');
  });

  it("shows a running build's progress against the source's total once known", async () => {
    world.status.builds = [build({ done: 1_200, total: 3_200, perSecond: 250, etaSeconds: 8 })];

    const result = await run(['status', 'video']);

    expect(result.stdout).toContain('  last build:  running (loading), generation 4: 1200/3200 items (38%), 250/s, ETA 8 s\n');
  });

  it('draws the progress bar without a made-up total before the total is known', async () => {
    world.status.builds = [build({ done: 0, perSecond: 0 })];
    const terminal = new Terminal();
    setTimeout(() => (world.status.builds = [build({ done: 5, perSecond: 5 }, { status: 'succeeded', phase: 'done' })]), 1_200);

    const result = await run(['rebuild', 'video'], terminal);

    expect(result.code).toBe(0);
    expect(terminal.text).toContain('loading | 0 items so far, 0/s');
    expect(terminal.text).not.toMatch(/\d+\/1 items/);
  });

  it('shows refused and deferred repairs in the audit line', async () => {
    world.status.audit = audit({ different: 5, repaired: 1, repairsRefused: 2, repairsDeferred: 2 });

    const result = await run(['status', 'video']);

    expect(result.stdout).toContain('  last audit:  2026-01-01T00:01:00.000Z: 0 missing, 0 extra, 5 different; 1 repaired, 2 refused (the index holds a newer version than the source), 2 deferred (past audit.maxRepairs)\n');
  });

  it('names the refused connection when nothing listens at the endpoint', async () => {
    await world.app.close();

    const result = await run(['status']);

    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^freshindex: cannot reach the ops API at http:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)\n$/);
  });
});
