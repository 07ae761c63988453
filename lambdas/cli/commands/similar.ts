/** `freshindex similar TYPE ID [--k N]`: the records nearest to one record (docs/vectors.md). */
import { InvalidArgumentError, type Command } from 'commander';
import { contextOf, segment, type CliIo } from '../context.ts';

interface SimilarView {
  type: string;
  id: string;
  k: number;
  generation: number | null;
  items: Array<{ id: string; distance: number; version: number; record: unknown }>;
}

/** Registers `similar`. */
export function similarCommands(program: Command, io: CliIo): void {
  program
    .command('similar')
    .description('The records nearest to one record by their vectors (its type needs an embed step), in the live generation, nearest first')
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .option('--k <n>', 'how many records, 1 to 100', parseK, 10)
    .addHelpText('after', '\nExit codes: 0 answered, 3 unknown type or an id the index does not hold, 2 a type without embed or a bad --k, 4 no runtime.')
    .action(async (type: string, id: string, options: { k: number }, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      const view = (await api.request('GET', `/v1/types/${segment(type)}/records/${segment(id)}/similar`, { query: { k: String(options.k) } })).body as SimilarView;
      context.print(view, () => renderSimilar(view));
    });
}

function parseK(value: string): number {
  if (!/^([1-9][0-9]?|100)$/.test(value)) throw new InvalidArgumentError('a whole number from 1 to 100');
  return Number(value);
}

function renderSimilar(view: SimilarView): string {
  if (view.items.length === 0) return `${view.type}/${view.id}: nothing similar in the index`;
  const lines = [`${view.type}/${view.id}: ${view.items.length} nearest in generation ${view.generation ?? '-'} (cosine distance, 0 = same direction)`];
  for (const item of view.items) lines.push(`  ${item.distance.toFixed(3)}  ${item.id}  ${summary(item.record)}`);
  return lines.join('\n');
}

/** The record on one line, cut at 100 characters. */
function summary(record: unknown): string {
  const text = JSON.stringify(record) ?? '';
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}
