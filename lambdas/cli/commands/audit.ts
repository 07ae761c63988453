/**
 * `freshindex audit TYPE`: submits the audit job through the ops API (`POST
 * /v1/types/{type}/audit`: AWS Batch on a deployment, a child process of the local runtime) and,
 * unless `--no-wait`, waits until the type's `lastAudit` is the report of this job.
 */
import { Option, type Command } from 'commander';
import pRetry from 'p-retry';
import { contextOf, segment, type CliIo } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import type { HttpClient } from '../http.ts';
import { auditSummary, type AuditReport } from '../../core/audit/report.ts';
import { localJobEnded, positiveInteger } from './jobs.ts';

/** The ops API's answer to an audit submission. */
export interface SubmittedAudit {
  type: string;
  jobId: string;
  jobName: string;
  submittedAt: string;
}

/** How the CLI polls for the report: backoff from half a second up to 5 s between reads. */
export const AUDIT_POLL = { minTimeout: 500, maxTimeout: 5_000, factor: 1.5 } as const;

export function auditCommand(program: Command, io: CliIo): void {
  program
    .command('audit')
    .description("Compare a type's whole source with its index now, repairing differences (submits the audit job and waits for its report)")
    .argument('<type>', 'resource type')
    .option('--no-wait', 'return once the job is submitted')
    .addOption(new Option('--wait-timeout <seconds>', 'give up waiting for the report after this long').argParser(positiveInteger).default(1800))
    .addHelpText(
      'after',
      '\nThe ops API submits the audit job: to AWS Batch on a deployment (--endpoint), as a child process of the local runtime. The report is the type\'s lastAudit (`freshindex status TYPE`).\n' +
        'Exit codes: 0 the audit ran (differences are in its report, not an error), 1 the job failed or no report came within --wait-timeout, 3 unknown type, 4 no runtime.',
    )
    .action(async (type: string, options: { wait: boolean; waitTimeout: number }, command: Command) => {
      const context = contextOf(command, io);
      const target = await context.target();
      const answer = await target.api.request('POST', `/v1/types/${segment(type)}/audit`, { body: {}, accept: [404] });
      if (answer.status === 404 && /no route/i.test(JSON.stringify(answer.body))) {
        throw new CliError('this deployment runs audits on their schedule only: its ops API has no audit route (deploy a newer freshindex)', EXIT.failure);
      }
      if (answer.status === 404) throw new CliError(`unknown resource type "${type}" (HTTP 404)`, EXIT.notFound);
      const submitted = answer.body as SubmittedAudit;
      if (!options.wait) {
        context.print(submitted, () => `${type}: audit submitted (job ${submitted.jobId}); its report shows in \`freshindex status ${type}\``);
        return;
      }
      if (!context.globals.json) io.err(`${type}: audit submitted (job ${submitted.jobId}), waiting for its report\n`);
      const jobEnded = target.control ? () => localJobEnded(context, submitted.jobId) : undefined;
      const audit = await waitForAudit(target.api, submitted, options.waitTimeout * 1000, jobEnded);
      context.print({ ...submitted, audit }, () => renderAudit(type, audit));
    });
}

class NotYet extends Error {}

/**
 * Reads the type's status with a growing backoff until its `lastAudit` started at or after the
 * submission. `jobEnded` (locally) turns a job that ended without a report into a failure at once.
 */
export async function waitForAudit(
  api: HttpClient,
  submitted: SubmittedAudit,
  timeoutMs: number,
  jobEnded?: () => Promise<{ ended: boolean; detail?: string }>,
): Promise<AuditReport> {
  const since = Date.parse(submitted.submittedAt);
  const read = async () => ((await api.request('GET', `/v1/types/${segment(submitted.type)}`)).body as { lastAudit: AuditReport | null }).lastAudit;
  const fresh = (audit: AuditReport | null): audit is AuditReport => audit !== null && Date.parse(audit.startedAt) >= since;
  try {
    return await pRetry(
      async () => {
        const audit = await read();
        if (fresh(audit)) return audit;
        const job = await jobEnded?.();
        if (job?.ended) {
          // The report may have landed between the read and the job's end.
          const last = await read();
          if (fresh(last)) return last;
          throw new CliError(`the audit job ${submitted.jobId} ended without a report (${job.detail ?? 'no detail'})`, EXIT.failure);
        }
        throw new NotYet();
      },
      { ...AUDIT_POLL, retries: Number.POSITIVE_INFINITY, maxRetryTime: timeoutMs, shouldRetry: ({ error }) => error instanceof NotYet },
    );
  } catch (error) {
    if (!(error instanceof NotYet)) throw error;
    throw new CliError(
      `no report of the audit job ${submitted.jobId} (${submitted.jobName}) within ${Math.round(timeoutMs / 1000)} s: it may still wait in the job queue or have failed; look at the job in the AWS Batch console, then \`freshindex status ${submitted.type}\``,
      EXIT.failure,
    );
  }
}

/** One line: what was audited and what the audit found and repaired. */
export function renderAudit(type: string, audit: AuditReport): string {
  return `${type}: audited generation ${audit.generation}: source ${audit.sourceCount}, index ${audit.indexCount}; ${auditSummary(audit)}`;
}
