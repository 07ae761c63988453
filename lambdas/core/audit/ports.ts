import type { AuditReport } from './report.ts';

/** Where audit reports are kept: the latest per type, and a history. */
export interface AuditReportStore {
  save(report: AuditReport): Promise<void>;
  latest(type: string): Promise<AuditReport | undefined>;
  /** The most recent reports of a type, newest first. */
  history(type: string, limit: number): Promise<AuditReport[]>;
}
