import { describe, expect, it } from 'vitest';
import { cronFor, LocalScheduler } from '../../../lambdas/local/dev/scheduler.ts';

describe('the local scheduler', () => {
  it('runs an EventBridge cron expression at its time (UTC)', () => {
    const cron = cronFor('cron(0 3 * * ? *)', 'Etc/UTC', () => {});

    const next = cron.nextRun(new Date('2026-05-01T12:00:00Z'));
    cron.stop();

    expect(next?.toISOString()).toBe('2026-05-02T03:00:00.000Z');
  });

  it('numbers weekdays from Sunday = 1, as EventBridge does', () => {
    const cron = cronFor('cron(30 4 ? * 2 *)', 'Etc/UTC', () => {});

    const next = cron.nextRun(new Date('2026-05-01T12:00:00Z'));
    cron.stop();

    // 2026-05-04 is a Monday.
    expect(next?.toISOString()).toBe('2026-05-04T04:30:00.000Z');
  });

  it('runs a rate expression one period after it starts', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    const cron = cronFor('rate(6 hours)', 'Etc/UTC', () => {}, now);

    const next = cron.nextRun(new Date(now));
    cron.stop();

    expect(next?.getTime()).toBe(now + 6 * 3600 * 1000);
  });

  it('refuses an expression it cannot read', () => {
    expect(() => cronFor('every day', 'Etc/UTC', () => {})).toThrow(/not a cron/);
  });

  it('fires a schedule now with its job arguments', () => {
    const fired: string[][] = [];
    const scheduler = new LocalScheduler([{ name: 'RebuildMovie', expression: 'cron(0 3 * * ? *)', timezone: 'Etc/UTC', enabled: true, args: ['rebuild', '--type', 'movie'] }], (spec) => fired.push(spec.args));

    const found = scheduler.fire('RebuildMovie');
    scheduler.stop();

    expect(found).toBe(true);
    expect(fired).toEqual([['rebuild', '--type', 'movie']]);
  });
});
