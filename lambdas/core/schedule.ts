/**
 * EventBridge schedule expressions (`cron(...)`, `rate(...)`, `at(...)`), read once for everyone
 * who needs to know when a schedule runs: the local scheduler's timers (lambdas/local/dev/) and the
 * monitor's overdue-rebuild check (lambdas/core/monitor/). croner reads the cron part.
 */
import { Cron } from 'croner';

/** A schedule expression, read. */
export type ScheduleExpression =
  | { kind: 'cron'; /** croner's 7-part pattern (seconds first). */ pattern: string }
  | { kind: 'rate'; periodMs: number }
  | { kind: 'at'; at: Date };

const RATE_UNITS: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 };

/** Reads an EventBridge schedule expression; throws on one it cannot read, naming it. */
export function parseSchedule(expression: string): ScheduleExpression {
  const text = expression.trim();
  const cron = /^cron\((.+)\)$/.exec(text);
  if (cron) {
    const fields = (cron[1] as string).trim().split(/\s+/);
    if (fields.length !== 6) throw new Error(`${expression}: an EventBridge cron has 6 fields (minutes hours day-of-month month day-of-week year)`);
    return { kind: 'cron', pattern: `0 ${fields.join(' ')}` };
  }
  const rate = /^rate\((\d+)\s+([a-z]+)\)$/.exec(text);
  if (rate) {
    const unit = RATE_UNITS[rate[2] as string];
    if (!unit) throw new Error(`${expression}: unknown rate unit`);
    return { kind: 'rate', periodMs: Number(rate[1]) * unit * 1000 };
  }
  const at = /^at\((.+)\)$/.exec(text);
  if (at) return { kind: 'at', at: new Date(`${at[1]}Z`) };
  throw new Error(`${expression}: not a cron(...), rate(...) or at(...) expression`);
}

/**
 * A croner job for a cron pattern of `parseSchedule`: EventBridge numbers weekdays 1-7 from
 * Sunday, as Quartz does; croner's 7-part mode puts seconds first. Without `run` it only computes.
 */
export function cronOf(pattern: string, timezone: string, run?: () => void): Cron {
  const options = { timezone, mode: '7-part' as const, alternativeWeekdays: true, protect: true };
  return run ? new Cron(pattern, options, run) : new Cron(pattern, options);
}

/**
 * When the schedule runs next after `after` (epoch ms): the next cron instant, `after` plus the
 * rate's period, or the `at` instant if it is later. `null` when it never runs again.
 */
export function nextRunAfter(expression: string, after: number, timezone = 'Etc/UTC'): number | null {
  const schedule = parseSchedule(expression);
  if (schedule.kind === 'rate') return after + schedule.periodMs;
  if (schedule.kind === 'at') return schedule.at.getTime() > after ? schedule.at.getTime() : null;
  const cron = cronOf(schedule.pattern, timezone);
  try {
    return cron.nextRun(new Date(after))?.getTime() ?? null;
  } finally {
    cron.stop();
  }
}
