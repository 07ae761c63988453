/** `freshindex quarantine list TYPE` and `freshindex quarantine release TYPE ID`. */
import type { Command } from 'commander';
import { contextOf, segment, type CliIo } from '../context.ts';

interface QuarantineList {
  type: string;
  count: number;
  items: Array<{ id: string; since: string; reason?: string; differences?: number }>;
}

export function quarantineCommands(program: Command, io: CliIo): void {
  const quarantine = program.command('quarantine').description('Resources the checker no longer trusts (readers serve them from the source)');

  quarantine
    .command('list')
    .description('List the quarantined resources of a type')
    .argument('<type>', 'resource type')
    .addHelpText('after', '\nExit codes: 0 listed (even when empty), 3 unknown type, 4 no runtime.')
    .action(async (type: string, _options: unknown, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      const list = (await api.request('GET', `/v1/types/${segment(type)}/quarantine`)).body as QuarantineList;
      context.print(list, () =>
        list.count === 0
          ? `${type}: nothing quarantined`
          : [`${type}: ${list.count} quarantined`, ...list.items.map((item) => `  ${item.id}  since ${item.since}${item.reason ? `  ${item.reason}` : ''}`)].join('\n'),
      );
    });

  quarantine
    .command('release')
    .description("Release a quarantined resource: readers serve it from the index again and the checker's counters restart")
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .addHelpText('after', '\nExit codes: 0 released, 3 unknown type or the resource is not quarantined, 4 no runtime.')
    .action(async (type: string, id: string, _options: unknown, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      const result = (await api.request('DELETE', `/v1/types/${segment(type)}/quarantine/${segment(id)}`)).body;
      context.print(result, () => `${type}/${id}: released`);
    });
}
