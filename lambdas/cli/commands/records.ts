/** `freshindex get TYPE ID` and `freshindex reindex TYPE ID`. */
import type { Command } from 'commander';
import { contextOf, segment, type CliIo } from '../context.ts';

interface RecordView {
  type: string;
  id: string;
  generation: number | null;
  index: { version?: number; hash?: string; deleted?: boolean; writtenAt?: number; record?: unknown } | null;
  expected: { found: boolean; version?: number; hash?: string; transformError?: string };
  comparison: { equal: boolean; difference: { kind: string; summary: string } | null };
  quarantine: { since?: string; reason?: string } | null;
}

export function recordCommands(program: Command, io: CliIo): void {
  program
    .command('get')
    .description('Show one record of the active generation next to transform(source document now)')
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .addHelpText('after', '\nExit codes: 0 found, 3 neither the index nor the source knows it (or unknown type), 4 no runtime.')
    .action(async (type: string, id: string, _options: unknown, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      const view = (await api.request('GET', `/v1/types/${segment(type)}/records/${segment(id)}`)).body as RecordView;
      context.print(view, () => renderRecord(view));
    });

  program
    .command('reindex')
    .description("Re-read one resource from the source and apply it through the incremental path (a resource the source no longer has is deleted from the index)")
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .addHelpText('after', '\nExit codes: 0 applied, unchanged or stale, 3 unknown type, or an id neither the source nor the index knows (nothing is written), 1 the source document cannot be indexed (422) or the source failed.')
    .action(async (type: string, id: string, _options: unknown, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      const result = (await api.request('POST', `/v1/types/${segment(type)}/records/${segment(id)}/reindex`)).body as { outcome: string; op: string; version: number };
      context.print(result, () => `${type}/${id}: ${result.outcome} (${result.op}, version ${result.version})`);
    });
}

function renderRecord(view: RecordView): string {
  const lines = [`${view.type}/${view.id} in generation ${view.generation ?? '-'}`];
  if (!view.index) lines.push('  index:    no record');
  else lines.push(`  index:    version ${view.index.version ?? '-'}${view.index.deleted ? ' (deleted: tombstone)' : ''}, hash ${short(view.index.hash)}, written ${view.index.writtenAt ? new Date(view.index.writtenAt).toISOString() : '-'}`);
  if (!view.expected.found) lines.push('  source:   not found');
  else if (view.expected.transformError) lines.push(`  source:   version ${view.expected.version ?? '-'}, the transform rejects it: ${view.expected.transformError}`);
  else lines.push(`  source:   version ${view.expected.version ?? '-'}, hash ${short(view.expected.hash)}`);
  lines.push(`  matches:  ${view.comparison.equal ? 'yes' : `no: ${view.comparison.difference?.summary ?? view.comparison.difference?.kind ?? 'different'}`}`);
  if (view.quarantine) lines.push(`  quarantined since ${view.quarantine.since ?? '?'}${view.quarantine.reason ? `: ${view.quarantine.reason}` : ''} (readers serve it from the source)`);
  if (view.index?.record !== undefined) lines.push('  record:', ...JSON.stringify(view.index.record, null, 2).split('\n').map((line) => `    ${line}`));
  return lines.join('\n');
}

function short(hash: string | undefined): string {
  return hash ? hash.slice(0, 12) : '-';
}
