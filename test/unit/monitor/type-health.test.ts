import { describe, expect, it } from 'vitest';
import { rebuildDueBy } from '../../../lambdas/core/monitor/type-health.ts';

const HOUR = 3_600_000;
const iso = (epochMs: number | null) => (epochMs === null ? null : new Date(epochMs).toISOString());

describe('when a rebuild is due by', () => {
  it('reads EventBridge weekday numbers from Sunday: cron(0 4 ? * 2 *) runs on Mondays', () => {
    const due = rebuildDueBy('cron(0 4 ? * 2 *)', Date.parse('2026-01-05T04:10:00Z'), 2 * HOUR);

    expect(iso(due)).toBe('2026-01-12T06:00:00.000Z');
  });

  it("reads a cron in the schedules' time zone", () => {
    const due = rebuildDueBy('cron(0 3 * * ? *)', Date.parse('2026-01-09T02:30:00Z'), 0, 'Europe/Berlin');

    expect(iso(due)).toBe('2026-01-10T02:00:00.000Z');
  });

  it("adds a rate's period to the last start", () => {
    const due = rebuildDueBy('rate(1 day)', Date.parse('2026-01-09T10:00:00Z'), HOUR);

    expect(iso(due)).toBe('2026-01-10T11:00:00.000Z');
  });

  it('has no due time for a type never rebuilt', () => {
    expect(rebuildDueBy('rate(1 day)', undefined, HOUR)).toBeNull();
  });
});
