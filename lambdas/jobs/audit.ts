/**
 * The audit job command: `audit --type T` (or every type), in the same container as the rebuild
 * (AWS Batch), scheduled per type (the type's `audit.schedule`, default every 6 hours).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { auditType } from '../core/audit/audit.ts';
import { auditSummary, differencesOf, type AuditReport } from '../core/audit/report.ts';
import { describeError } from '../core/errors.ts';
import type { JobContext } from './context.ts';
import { EXIT, type JobArgs, type JobCommand } from './exit.ts';

/**
 * `audit`: compares each named type's source with its active generation, repairs up to the
 * type's bound, alerts past its threshold, stores and publishes the report. Differences are
 * reported, not failures: the exit code is 0 unless an audit could not run (70) or the job was
 * asked to stop before it finished (130).
 */
export const auditCommand: JobCommand = {
  summary: 'audit one type (--type T) or every type: compare source and index, repair, report',
  async run(context: JobContext, args: JobArgs): Promise<number> {
    const types = args.types.length > 0 ? args.types : context.runtime.config.types;
    let exit: number = EXIT.ok;
    for (const type of types) {
      if (context.signal.aborted) break;
      try {
        await auditOne(context, type.name);
      } catch (error) {
        context.logger.error('audit failed', { type: type.name, error: describeError(error) });
        exit = EXIT.error;
      }
    }
    return context.signal.aborted ? EXIT.interrupted : exit;
  },
};

/** Runs one audit of one type with the job's adapters and logs its summary. */
export async function auditOne(context: JobContext, type: string): Promise<AuditReport> {
  const { runtime, logger } = context;
  logger.info('audit started', { type });
  const report = await auditType(
    { ...runtime, pointers: runtime.pointerStore, reports: runtime.auditReports },
    type,
    { signal: context.signal },
  );
  publishDifferences(context, type, differencesOf(report));
  const { samples: _samples, ...summary } = report;
  if (differencesOf(report) > 0) logger.warn(`audit finished: the index differed from the source: ${auditSummary(report)}`, { report: summary });
  else logger.info('audit finished: the index matches the source', { report: summary });
  return report;
}

/**
 * `AuditDifferences` (dimension `type`): the differences one audit found, published once per
 * finished audit, 0 when the index matched, so the audit-drift alarm goes back to OK on the next
 * clean audit (docs/operations.md).
 */
function publishDifferences(context: JobContext, type: string, differences: number): void {
  const { metrics } = context;
  metrics.addDimension('type', type);
  metrics.addMetric('AuditDifferences', MetricUnit.Count, differences);
  metrics.publishStoredMetrics();
}
