/**
 * The contract of the audit report store, on DynamoDB, Redis and in memory (support/backends.ts).
 */
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../lambdas/core/audit/report.ts';
import { eachBackend, useBackend } from './support/backends.ts';

// Reports are kept 90 days after they finished: these finished in the last days.
const DAY = 24 * 3600 * 1000;
const BASE = Date.now();
const daysAgo = (days: number) => new Date(BASE - days * DAY).toISOString();

const report = (finishedAt: string, type = 'video', missing = 0): AuditReport => ({
  type,
  generation: 1,
  startedAt: finishedAt,
  finishedAt,
  durationMs: 10,
  sourceCount: 5,
  indexCount: 5,
  missing,
  extra: 0,
  different: 0,
  transformErrors: 0,
  repaired: 0,
  repairsDeferred: 0,
  repairsRefused: 0,
  alerted: false,
  samples: { missing: [], extra: [], different: [], transformErrors: [] },
});

describe.each(eachBackend)('audit report store contract: %s', (_name, start) => {
  const env = useBackend(start);

  it('keeps the latest audit report and a history, newest first', async () => {
    const { auditReports } = env.ports;
    await auditReports.save(report(daysAgo(3)));
    await auditReports.save(report(daysAgo(1)));
    await auditReports.save(report(daysAgo(2)));

    expect(await auditReports.latest('video')).toEqual(report(daysAgo(2)));
    expect((await auditReports.history('video', 5)).map((r) => r.finishedAt)).toEqual([daysAgo(1), daysAgo(2), daysAgo(3)]);
  });

  it('lists at most the history asked for', async () => {
    const { auditReports } = env.ports;
    for (const days of [5, 4, 3, 2, 1]) await auditReports.save(report(daysAgo(days)));

    expect((await auditReports.history('video', 2)).map((r) => r.finishedAt)).toEqual([daysAgo(1), daysAgo(2)]);
  });

  it('keeps the reports of types apart', async () => {
    const { auditReports } = env.ports;
    await auditReports.save(report(daysAgo(1), 'video', 1));
    await auditReports.save(report(daysAgo(1), 'article', 7));

    expect((await auditReports.latest('article'))?.missing).toBe(7);
    expect((await auditReports.history('video', 5)).map((r) => r.missing)).toEqual([1]);
  });

  it('has no report for a type never audited', async () => {
    const { auditReports } = env.ports;

    expect([await auditReports.latest('video'), await auditReports.history('video', 5)]).toEqual([undefined, []]);
  });

  it('keeps one run per finish time: saving it again replaces it', async () => {
    const { auditReports } = env.ports;
    const at = daysAgo(1);
    await auditReports.save(report(at, 'video', 1));

    await auditReports.save(report(at, 'video', 2));

    expect((await auditReports.history('video', 5)).map((r) => r.missing)).toEqual([2]);
  });
});
