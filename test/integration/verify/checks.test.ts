/**
 * The DynamoDB adapters of the checker and the audit against the test backend.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditReportStore } from '../../../lambdas/adapters/dynamodb/audit-reports.ts';
import { DynamoDifferenceCounters, RECENT_DIFFERENCES } from '../../../lambdas/adapters/dynamodb/checks.ts';
import { createTables } from '../../support/tables.ts';
import type { AuditReport } from '../../../lambdas/core/audit/report.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

describe('the control-table adapters of the checker and the audit', () => {
  let aws: AwsTestEnv;
  let counters: DynamoDifferenceCounters;
  let reports: DynamoAuditReportStore;

  beforeAll(async () => {
    aws = await startAws();
    await createTables(aws.dynamodb, { indexTable: 'cindex', controlTable: 'ccontrol' });
    const doc = DynamoDBDocumentClient.from(aws.dynamodb);
    counters = new DynamoDifferenceCounters(doc, 'ccontrol');
    reports = new DynamoAuditReportStore(doc, 'ccontrol');
  });
  afterAll(async () => {
    await aws.stop();
  });

  it('keeps only the most recent differences', async () => {
    for (let i = 0; i < RECENT_DIFFERENCES + 2; i++) await counters.recordDifference('video', 'b', { at: i, summary: `d${i}` }, 100);

    const recent = (await counters.get('video', 'b'))?.recent ?? [];
    expect(recent.map((seen) => seen.summary)).toEqual(Array.from({ length: RECENT_DIFFERENCES }, (_, i) => `d${i + 2}`));
  });

  it('restarts the difference streak on a clean check and the clean streak on a difference', async () => {
    await counters.recordDifference('video', 'c', { at: 1, summary: 'x' }, 100);
    await counters.recordClean('video', 'c', 200);
    await counters.recordClean('video', 'c');
    const afterClean = await counters.get('video', 'c');
    await counters.recordDifference('video', 'c', { at: 2, summary: 'y' }, 300);

    expect(afterClean).toMatchObject({ differences: 0, cleanChecks: 2 });
    expect(afterClean?.nextCheckAt).toBeUndefined();
    expect(await counters.get('video', 'c')).toMatchObject({ differences: 1, cleanChecks: 0, nextCheckAt: 300 });
  });

  it('forgets a resource it clears', async () => {
    await counters.recordDifference('video', 'd', { at: 1, summary: 'x' }, 100);

    await counters.clear('video', 'd');

    expect(await counters.get('video', 'd')).toBeUndefined();
  });

  it('keeps the latest audit report and a history, newest first', async () => {
    const report = (finishedAt: string) => ({ type: 'video', finishedAt, missing: 0, extra: 0, different: 0, repaired: 0 }) as AuditReport;
    await reports.save(report('2026-01-01T00:00:00.000Z'));
    await reports.save(report('2026-01-02T00:00:00.000Z'));

    expect((await reports.latest('video'))?.finishedAt).toBe('2026-01-02T00:00:00.000Z');
    expect((await reports.history('video', 5)).map((r) => r.finishedAt)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
  });
});
