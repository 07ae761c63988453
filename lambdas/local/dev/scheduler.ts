/**
 * The local stand-in of EventBridge Scheduler: the template's schedules (which come from the
 * config's `rebuild.schedule` and `audit.schedule`) run their job command on a croner timer, and
 * any of them can be fired now.
 */
import { Cron } from 'croner';
import { cronOf, parseSchedule } from '../../core/schedule.ts';

/** A schedule to run locally. */
export interface LocalScheduleSpec {
  name: string;
  /** EventBridge syntax: `cron(min hour day-of-month month day-of-week year)`, `rate(6 hours)`, `at(2026-01-01T00:00:00)`. */
  expression: string;
  timezone: string;
  enabled: boolean;
  args: string[];
}

/** A schedule as the local control API shows it. */
export interface LocalScheduleView {
  name: string;
  expression: string;
  timezone: string;
  enabled: boolean;
  args: string[];
  nextRun: string | null;
}

/** A running schedule: when it runs next, and how to stop it. */
export interface ScheduleTimer {
  nextRun(after?: Date): Date | null;
  stop(): void;
}

/**
 * A timer for an EventBridge schedule expression (croner for `cron(...)` and `at(...)`, a
 * fixed period for `rate(...)`); throws on an expression it cannot read.
 */
export function cronFor(expression: string, timezone: string, run: () => void, now = Date.now()): ScheduleTimer {
  const schedule = parseSchedule(expression);
  if (schedule.kind === 'cron') return cronOf(schedule.pattern, timezone, run);
  if (schedule.kind === 'rate') return rateTimer(schedule.periodMs, run, now);
  return new Cron(schedule.at, { timezone, protect: true }, run);
}

/** Longest delay a Node.js timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function rateTimer(periodMs: number, run: () => void, now: number): ScheduleTimer {
  let due = now + periodMs;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => {
      if (Date.now() >= due) {
        due = Date.now() + periodMs;
        run();
      }
      arm();
    }, Math.min(Math.max(due - Date.now(), 0), MAX_TIMER_MS));
  };
  arm();
  return {
    nextRun: () => new Date(due),
    stop: () => clearTimeout(timer),
  };
}

/** Runs the schedules; `fire` runs one now. */
export class LocalScheduler {
  readonly #schedules = new Map<string, { spec: LocalScheduleSpec; cron?: ScheduleTimer }>();

  constructor(
    specs: readonly LocalScheduleSpec[],
    private readonly run: (spec: LocalScheduleSpec) => void,
  ) {
    for (const spec of specs) {
      const cron = spec.enabled ? cronFor(spec.expression, spec.timezone, () => this.run(spec)) : undefined;
      this.#schedules.set(spec.name, { spec, ...(cron ? { cron } : {}) });
    }
  }

  list(): LocalScheduleView[] {
    return [...this.#schedules.values()].map(({ spec, cron }) => ({
      name: spec.name,
      expression: spec.expression,
      timezone: spec.timezone,
      enabled: spec.enabled,
      args: spec.args,
      nextRun: cron?.nextRun()?.toISOString() ?? null,
    }));
  }

  /** Runs a schedule's job now; `false` when there is no such schedule. */
  fire(name: string): boolean {
    const entry = this.#schedules.get(name);
    if (!entry) return false;
    this.run(entry.spec);
    return true;
  }

  stop(): void {
    for (const { cron } of this.#schedules.values()) cron?.stop();
  }
}
