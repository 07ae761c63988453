import type { PropChecks } from './checks.ts';

/** Where each alarm's runbook section is: `docs/operations.md#<anchor>`. */
export const RUNBOOK_ANCHORS = {
  deadLetters: 'dead-letters',
  applyQueueAge: 'apply-queue-age',
  applyErrors: 'apply-errors',
  verifyErrors: 'verify-errors',
  throttles: 'throttles',
  freshnessLag: 'freshness-lag',
  rebuildFailed: 'rebuild-failed',
  rebuildOverdue: 'rebuild-overdue',
  auditDrift: 'audit-drift',
  quarantine: 'quarantine-size',
  jobsStuck: 'jobs-stuck',
} as const;

/** An alarm's threshold; leave it out for the default. */
export interface ThresholdOption {
  readonly threshold?: number;
}

/**
 * The alarms of {@link FreshindexMonitoring}: `false` leaves one out, `{ threshold }` changes
 * when it fires. docs/operations.md has a runbook section for each.
 */
export interface FreshindexAlarmsOptions {
  /**
   * Messages visible on a dead-letter queue (apply, verify, `extraDeadLetterQueues`), one alarm each.
   *
   * @default - above 0
   */
  readonly deadLetters?: false | ThresholdOption;
  /**
   * Age of the oldest message on the apply queue, in seconds, for 3 of 5 minutes.
   *
   * @default - above the smallest `freshnessTargetSeconds` of the types (they share the queue)
   */
  readonly applyQueueAge?: false | ThresholdOption;
  /**
   * Failed share, in percent, for 2 of 3 five-minute periods: of each function's invocations
   * (Lambda `Errors` / `Invocations`), and per type of the changes applied (`ApplyFailed` among
   * applied, skipped, rejected and failed) and of the checks run (`VerifyFailed` among checked and failed).
   *
   * @default - above 5 %
   */
  readonly errorRate?: false | ThresholdOption;
  /**
   * Lambda throttles of each freshindex function per five minutes, for 2 of 3 periods.
   *
   * @default - above 0
   */
  readonly throttles?: false | ThresholdOption;
  /**
   * p99 of `ApplyFreshnessLag` per type, in seconds, for 3 of 5 minutes; a threshold here replaces every type's target.
   *
   * @default - above each type's `freshnessTargetSeconds`
   */
  readonly freshnessLag?: false | ThresholdOption;
  /**
   * Failed builds of a type (`RebuildFailed`); back to OK when a build goes live.
   *
   * @default - at least 1
   */
  readonly rebuildFailed?: false | ThresholdOption;
  /**
   * `MonitorRebuildOverdue` of a type (the monitor publishes 1 when no rebuild started within the
   * schedule plus its grace period). `false` leaves it out.
   *
   * @default true
   */
  readonly rebuildOverdue?: boolean;
  /**
   * Differences the last audit of a type found (`AuditDifferences`); back to OK on a clean audit.
   *
   * @default - above 0
   */
  readonly auditDrift?: false | ThresholdOption;
  /**
   * Quarantined resources of a type (`MonitorQuarantined`).
   *
   * @default - above 10
   */
  readonly quarantine?: false | ThresholdOption;
  /**
   * Batch jobs stuck in RUNNABLE (`MonitorJobsStuck`).
   *
   * @default - at least 1
   */
  readonly jobsStuck?: false | ThresholdOption;
}

/** The default thresholds (the queue age and freshness lag follow the config's targets instead). */
export const ALARM_DEFAULTS = {
  deadLetters: 0,
  errorRate: 5,
  throttles: 0,
  rebuildFailed: 1,
  auditDrift: 0,
  quarantine: 10,
  jobsStuck: 1,
} as const;

type ThresholdKey = Exclude<keyof FreshindexAlarmsOptions, 'rebuildOverdue'>;

/** The range of each threshold: [min, max, integer]. */
const THRESHOLD_RANGES: Record<ThresholdKey, readonly [number, number, boolean]> = {
  deadLetters: [0, 1_000_000, true],
  applyQueueAge: [1, 1_209_600, true],
  errorRate: [0, 99.99, false],
  throttles: [0, 1_000_000, true],
  freshnessLag: [1, 86_400, true],
  rebuildFailed: [1, 100, true],
  auditDrift: [0, 1_000_000_000, true],
  quarantine: [0, 1_000_000_000, true],
  jobsStuck: [1, 10_000, true],
};

/** Records every problem of the `alarms` prop: unknown alarms, wrong shapes, thresholds out of range. */
export function checkAlarmOptions(checks: PropChecks, alarms: FreshindexAlarmsOptions | undefined): void {
  const known = [...Object.keys(THRESHOLD_RANGES), 'rebuildOverdue'];
  for (const [key, value] of Object.entries(alarms ?? {})) {
    if (!known.includes(key)) {
      checks.require(false, `alarms.${key} is not an alarm (known: ${known.join(', ')})`);
    } else if (key === 'rebuildOverdue') {
      checks.require(value === undefined || typeof value === 'boolean', `alarms.rebuildOverdue must be true or false (got ${JSON.stringify(value)})`);
    } else if (value !== undefined && value !== false) {
      checkThreshold(checks, key as ThresholdKey, value);
    }
  }
}

function checkThreshold(checks: PropChecks, key: ThresholdKey, value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    checks.require(false, `alarms.${key} must be false or { threshold?: number } (got ${JSON.stringify(value)})`);
    return;
  }
  const extra = Object.keys(value).filter((name) => name !== 'threshold');
  checks.require(extra.length === 0, `alarms.${key} has unknown settings: ${extra.join(', ')} (only threshold)`);
  const threshold = (value as ThresholdOption).threshold;
  if (threshold === undefined) return;
  const [min, max, integer] = THRESHOLD_RANGES[key];
  const ok = typeof threshold === 'number' && threshold >= min && threshold <= max && (!integer || Number.isInteger(threshold));
  checks.require(ok, `alarms.${key}.threshold must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}] (got ${JSON.stringify(threshold)})`);
}
