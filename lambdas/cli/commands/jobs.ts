/** What the CLI needs of the local runtime's jobs and of job options: shared by `rebuild` and `audit`. */
import { segment, type CommandContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

/** A job of the local control API. */
export interface LocalJobView {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  exitCode?: number;
  signal?: string;
  output: string[];
}

/** Whether the local runtime's job `jobId` has ended, and how (exit code or signal, last line). */
export async function localJobEnded(context: CommandContext, jobId: string): Promise<{ ended: boolean; detail?: string }> {
  const { control } = await context.target();
  const job = (await control?.request('GET', `/local/v1/jobs/${segment(jobId)}`))?.body as LocalJobView | undefined;
  if (!job || job.status === 'running') return { ended: false };
  return { ended: true, detail: `${job.signal ? `signal ${job.signal}` : `exit code ${job.exitCode}`}${lastLine(job)}` };
}

function lastLine(job: LocalJobView): string {
  const line = [...job.output].reverse().find((candidate) => candidate.trim() !== '');
  return line ? `: ${line.slice(0, 300)}` : '';
}

/** Commander's parser of a positive whole number of seconds. */
export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new CliError(`expected a positive integer, got "${value}"`, EXIT.usage);
  return parsed;
}
