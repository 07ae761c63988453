/** `freshindex status [TYPE]`, `rebuild TYPE`, `rollback TYPE`, `audit TYPE`. */
import { Option, type Command } from 'commander';
import { contextOf, segment, type CliIo } from '../context.ts';
import { auditCommand } from './audit.ts';
import { localJobEnded, positiveInteger } from './jobs.ts';
import { EXIT } from '../exit-codes.ts';
import { auditSummary, type AuditReport } from '../../core/audit/report.ts';
import { describeProgress, followBuild, type BuildView } from '../progress.ts';

interface TypeStatusView {
  type: string;
  indexed: boolean;
  generations: { active: number | null; previous: number | null; building: { generation: number; buildId: string; startedAt: string } | null };
  records: { active: { count: number; countedBy: string } | null; previous: { count: number; countedBy: string } | null };
  lastBuild: BuildView | null;
  buildProgress: BuildView['progress'] | null;
  lastAudit: AuditReport | null;
  quarantined: number;
  cleanup?: CleanupView | null;
}

interface CleanupView {
  state: 'waiting' | 'deleting' | 'done' | 'interrupted' | 'failed';
  deletesPerSecond: number;
  rateFrom: string;
  pending: number[];
  deletedGenerations: number[];
  deleted: number;
  startedAt: string;
  finishedAt?: string;
  errors?: string[];
}

interface DeadLetterDepthView {
  queue: string;
  configured: boolean;
  visible?: number;
  inFlight?: number;
  error?: string;
}

export function typeCommands(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('Show each type: generations (active, previous, building), record counts, last build and audit, quarantined count; and the dead letters per queue')
    .argument('[type]', 'only this resource type')
    .option('--exact', 'count the live records now (scans the index: slow on big types)')
    .addHelpText('after', '\nExit codes: 0 shown, 3 unknown type, 4 no runtime.')
    .action(async (type: string | undefined, options: { exact?: boolean }, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      if (type) {
        const status = (await api.request('GET', `/v1/types/${segment(type)}`, options.exact ? { query: { count: 'exact' } } : {})).body as TypeStatusView;
        context.print(status, () => renderStatus([status]));
      } else {
        const all = (await api.request('GET', '/v1/types')).body as { types: TypeStatusView[]; deadLetters?: DeadLetterDepthView[] };
        context.print(all, () => [renderStatus(all.types), ...(all.deadLetters ? [renderDeadLetters(all.deadLetters)] : [])].join('\n'));
      }
    });

  program
    .command('rebuild')
    .description('Rebuild one type into a new generation and flip to it; shows progress (items, rate, ETA) until the build ends')
    .argument('<type>', 'resource type')
    .option('--reason <text>', 'why (kept with the job)')
    .option('--no-wait', 'return once the job is submitted')
    .addOption(new Option('--wait-timeout <seconds>', 'give up following the build after this long').argParser(positiveInteger).default(1800))
    .addHelpText('after', '\nExit codes: 0 the new generation is live (or submitted, with --no-wait), 1 the build failed (the old generation keeps serving) or a rebuild of the type was already requested or is running (409), 3 unknown type, 4 no runtime.')
    .action(async (type: string, options: { reason?: string; wait: boolean; waitTimeout: number }, command: Command) => {
      const context = contextOf(command, io);
      const target = await context.target();
      const submitted = (await target.api.request('POST', `/v1/types/${segment(type)}/rebuild`, { body: options.reason ? { reason: options.reason } : {} })).body as { jobId: string; jobName: string };
      if (!options.wait) {
        context.print(submitted, () => `${type}: rebuild submitted (job ${submitted.jobId}); follow it with \`freshindex status ${type}\``);
        return;
      }
      if (!context.globals.json) io.err(`${type}: rebuild submitted (job ${submitted.jobId})\n`);
      const build = await followBuild({
        api: target.api,
        type,
        jobId: submitted.jobId,
        io,
        quiet: Boolean(context.globals.json),
        timeoutMs: options.waitTimeout * 1000,
        ...(target.control ? { jobEnded: () => localJobEnded(context, submitted.jobId) } : {}),
      });
      context.print({ ...submitted, build }, () => renderBuild(type, build));
      if (build.status !== 'succeeded') io.exitCode = EXIT.failure;
    });

  program
    .command('rollback')
    .description('Swap the active and previous generations of a type (one conditional write; a second rollback returns)')
    .argument('<type>', 'resource type')
    .addHelpText('after', '\nExit codes: 0 rolled back, 1 nothing to roll back (no previous generation, or only the initial one the first build replaced: HTTP 409) or the pointer moved meanwhile, 3 unknown type, 4 no runtime.')
    .action(async (type: string, _options: unknown, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      const result = (await api.request('POST', `/v1/types/${segment(type)}/rollback`)).body as { from: number; to: number };
      context.print(result, () => `${type}: rolled back: generation ${result.to} serves again (generation ${result.from} is kept as previous)`);
    });

  auditCommand(program, io);
}

function renderStatus(types: readonly TypeStatusView[]): string {
  if (types.length === 0) return 'no resource types';
  return types
    .map((status) => {
      const { active, previous, building } = status.generations;
      const lines = [`${status.type}${status.indexed ? '' : ' (not indexed yet)'}`];
      lines.push(`  generations: active ${active ?? '-'}, previous ${previous ?? '-'}${building ? `, building ${building.generation} (since ${building.startedAt})` : ''}`);
      lines.push(`  records:     ${status.records.active ? `${status.records.active.count} active (counted by ${status.records.active.countedBy})` : 'active count unknown'}${status.records.previous ? `, ${status.records.previous.count} previous` : ''}`);
      const build = status.lastBuild;
      if (build) {
        const progress = status.buildProgress ? `: ${describeProgress(status.buildProgress)}` : '';
        lines.push(`  last build:  ${build.status} (${build.phase})${build.generation !== undefined ? `, generation ${build.generation}` : ''}${progress}${build.report?.reasons.length ? `: ${build.report.reasons.join('; ')}` : ''}`);
      } else lines.push('  last build:  none');
      if (status.cleanup) lines.push(`  clean-up:    ${renderCleanup(status.cleanup)}`);
      const audit = status.lastAudit;
      lines.push(audit ? `  last audit:  ${audit.finishedAt}: ${auditSummary(audit)}` : '  last audit:  none');
      lines.push(`  quarantined: ${status.quarantined}`);
      return lines.join('\n');
    })
    .join('\n');
}

/** One line for the dead-letter queues: letters waiting (and being looked at) per queue. */
function renderDeadLetters(depths: readonly DeadLetterDepthView[]): string {
  const parts = depths.map((depth) => {
    if (!depth.configured) return `${depth.queue} not configured`;
    if (depth.error) return `${depth.queue} unknown (${depth.error})`;
    return `${depth.queue} ${depth.visible ?? 0}${depth.inFlight ? ` (+${depth.inFlight} in flight)` : ''}`;
  });
  const waiting = depths.some((depth) => (depth.visible ?? 0) + (depth.inFlight ?? 0) > 0);
  return `dead letters: ${parts.join(', ')}${waiting ? ' — see `freshindex dlq list`' : ''}`;
}

/** One line for the clean-up after a build: what it does, at what rate and why, what is left. */
function renderCleanup(cleanup: CleanupView): string {
  const generations = (list: number[]) => `generation${list.length === 1 ? '' : 's'} ${list.join(', ')}`;
  const left = cleanup.pending.length > 0 ? `; ${generations(cleanup.pending)} left` : '';
  const rate = `${cleanup.deletesPerSecond}/s (${cleanup.rateFrom})`;
  if (cleanup.state === 'waiting' || cleanup.state === 'deleting') return `${cleanup.state} since ${cleanup.startedAt}: ${cleanup.deleted} records deleted at ${rate}${left}`;
  if (cleanup.state === 'done') {
    return `done ${cleanup.finishedAt ?? ''}: ${cleanup.deletedGenerations.length > 0 ? `${generations(cleanup.deletedGenerations)} deleted` : 'nothing to delete'} (${cleanup.deleted} records at ${rate})`;
  }
  return `${cleanup.state}${left} for the next build${cleanup.errors?.[0] ? `: ${cleanup.errors[0]}` : ''}`;
}

function renderBuild(type: string, build: BuildView): string {
  const report = build.report;
  if (build.status === 'succeeded') {
    return `${type}: generation ${report?.generation ?? build.generation} is live (was ${report?.activeBefore ?? '-'}): ${report?.counts.generation ?? report?.counts.loaded ?? '?'} records, ${report?.counts.replayed ?? 0} replayed, ${((report?.durationMs ?? 0) / 1000).toFixed(1)} s`;
  }
  return `${type}: build ${build.status}${report?.reasons.length ? `: ${report.reasons.join('; ')}` : ''}; generation ${report?.activeBefore ?? '-'} keeps serving`;
}
