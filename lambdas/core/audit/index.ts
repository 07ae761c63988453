export { auditType } from './audit.ts';
export type { AuditDeps, AuditOptions } from './audit.ts';
export { auditAlert, differencesOf, SAMPLE_LIMIT } from './report.ts';
export type { AuditReport } from './report.ts';
export type { AuditReportStore } from './ports.ts';
