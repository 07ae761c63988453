import type { Alert } from '../ports.ts';

/** How many ids of each kind a report lists (the counts are always complete). */
export const SAMPLE_LIMIT = 20;

/** The outcome of one audit of a type. Counts are complete; id lists are samples. */
export interface AuditReport {
  type: string;
  /** The generation audited (the active one when the audit started). */
  generation: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Documents the source scan returned. */
  sourceCount: number;
  /** Live records (tombstones excluded) the index scan returned. */
  indexCount: number;
  /** In the source, absent (or a tombstone) in the index. */
  missing: number;
  /** Live in the index, absent from the source. */
  extra: number;
  /** In both, with different content. */
  different: number;
  /** Documents the type's transform rejected (neither compared nor repaired). */
  transformErrors: number;
  /** Differences repaired by this run (at most the type's `audit.maxRepairs`). */
  repaired: number;
  /** Differences left for a later run because the repair bound was reached. */
  repairsDeferred: number;
  /** Repairs the version guard refused (the index holds a newer version than the source). */
  repairsRefused: number;
  /** Whether the counts passed the type's `audit.alertThreshold` and an alert was published. */
  alerted: boolean;
  samples: { missing: string[]; extra: string[]; different: string[]; transformErrors: string[] };
}

/** The total of differences an audit found. */
export function differencesOf(report: Pick<AuditReport, 'missing' | 'extra' | 'different'>): number {
  return report.missing + report.extra + report.different;
}

/**
 * An audit in one line, never hiding a difference left unrepaired:
 * `0 missing, 0 extra, 5 different; 1 repaired, 2 refused (the index holds a newer version than
 * the source), 2 deferred (past audit.maxRepairs)`. Refused, deferred and transform errors appear
 * when there are any.
 */
export function auditSummary(report: Pick<AuditReport, 'missing' | 'extra' | 'different' | 'repaired' | 'repairsRefused' | 'repairsDeferred' | 'transformErrors'>): string {
  const repairs = [`${report.repaired} repaired`];
  if (report.repairsRefused > 0) repairs.push(`${report.repairsRefused} refused (the index holds a newer version than the source)`);
  if (report.repairsDeferred > 0) repairs.push(`${report.repairsDeferred} deferred (past audit.maxRepairs)`);
  if (report.transformErrors > 0) repairs.push(`${report.transformErrors} rejected by the transform`);
  return `${report.missing} missing, ${report.extra} extra, ${report.different} different; ${repairs.join(', ')}`;
}

/** The alert of an audit whose differences passed the type's threshold. */
export function auditAlert(report: AuditReport, threshold: number, maxRepairs: number, now: number): Alert {
  const total = differencesOf(report);
  const hints: string[] = [];
  if (report.missing > 0) hints.push('missing records usually mean changes were lost before the applier: look at the apply dead-letter queue and the change topic subscription');
  if (report.different > 0) hints.push('different records usually mean the transform changed without a rebuild, or something else writes the index: rebuild the type');
  if (report.extra > 0) hints.push('extra records mean deletes never reached the index: make sure the CMS publishes deletes');
  return {
    kind: 'audit-drift',
    severity: report.repairsDeferred > 0 || report.repairsRefused > 0 ? 'critical' : 'warning',
    type: report.type,
    summary: `audit of ${report.type} found ${total} differences (${report.missing} missing, ${report.extra} extra, ${report.different} different), more than the threshold of ${threshold}`,
    action:
      `${report.repaired} were repaired (at most ${maxRepairs} per run)` +
      (report.repairsDeferred > 0 ? `, ${report.repairsDeferred} are left for the next runs or a rebuild of the type` : '') +
      (report.repairsRefused > 0 ? `, ${report.repairsRefused} hold a newer version in the index than in the source: check the source's versions` : '') +
      `. ${hints.join('; ')}.`,
    details: { ...report.samples, generation: report.generation, counts: { missing: report.missing, extra: report.extra, different: report.different, transformErrors: report.transformErrors } },
    at: now,
  };
}
