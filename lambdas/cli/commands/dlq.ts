/** `freshindex dlq list|show|redrive|purge`: the dead letters of the apply and verify queues and of the types' own apply queues. */
import { Option, type Command } from 'commander';
import { contextOf, segment, type CliIo, type CommandContext } from '../context.ts';
import { DEAD_LETTER_QUEUE_NAME, type DeadLetterDetail, type DeadLetterList, type DeadLetterQueueName, type RedriveResult } from '../../core/dead-letters.ts';
import { CliError, EXIT } from '../exit-codes.ts';

type Queue = DeadLetterQueueName;

/** A letter as the ops API answers it: its date as ISO text, its body only from `dlq show`. */
type LetterView = Omit<DeadLetterDetail, 'firstSeen' | 'body'> & { firstSeen: string; body?: string };

interface ListView extends Omit<DeadLetterList, 'items'> {
  queue: Queue;
  count: number;
  items: LetterView[];
}

type RedriveView = { queue: Queue } & RedriveResult;

/** A copy redrive that ran out of time is sent again, at most this many times, while it makes progress. */
const MAX_REDRIVE_ROUNDS = 50;

const queueOption = () =>
  new Option('--queue <queue>', "apply, verify, or apply:<type> for a type's own apply queue (default: every queue of the deployment)").argParser(queueOf);

export function dlqCommands(program: Command, io: CliIo): void {
  const dlq = program.command('dlq').description('Dead letters: messages the apply functions (shared and own queues) and the verify function could not process, with their reason');
  listCommand(dlq, io);
  showCommand(dlq, io);
  redriveCommand(dlq, io);
  purgeCommand(dlq, io);
}

function listCommand(dlq: Command, io: CliIo): void {
  dlq
    .command('list')
    .description('List dead letters: reason, type, id, receive count, first seen (peeking hides each one for a few seconds)')
    .argument('[type]', 'only this resource type')
    .addOption(queueOption())
    .addOption(new Option('--limit <n>', 'at most this many per queue').default(50).argParser(limitOf))
    .addHelpText('after', '\nExit codes: 0 listed (even when empty), 4 no runtime.')
    .action(async (type: string | undefined, options: { queue?: Queue; limit: number }, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      const lists: ListView[] = [];
      for (const queue of await queuesOf(context, options.queue)) {
        const query = { limit: String(options.limit), ...(type ? { type } : {}) };
        lists.push((await api.request('GET', `/v1/dead-letters/${segment(queue)}`, { query })).body as ListView);
      }
      context.print({ queues: lists }, () => lists.map(renderList).join('\n'));
    });
}

function showCommand(dlq: Command, io: CliIo): void {
  dlq
    .command('show')
    .description('Show one dead letter with its body, by its message id (or the id it had on its queue)')
    .argument('<id>', 'message id')
    .addOption(queueOption())
    .addHelpText('after', '\nExit codes: 0 shown, 3 no dead letter has this id, 4 no runtime.')
    .action(async (id: string, options: { queue?: Queue }, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      const queues = await queuesOf(context, options.queue);
      for (const queue of queues) {
        const answer = await api.request('GET', `/v1/dead-letters/${segment(queue)}/${segment(id)}`, { accept: [404] });
        if (answer.status === 404) continue;
        const letter = answer.body as LetterView & { queue: Queue };
        context.print(letter, () => renderLetter(letter));
        return;
      }
      throw new CliError(`no dead letter ${id} in the ${queues.join(' or ')} dead-letter queue`, EXIT.notFound);
    });
}

function redriveCommand(dlq: Command, io: CliIo): void {
  dlq
    .command('redrive')
    .description('Send dead letters back to their queue (every one, or one type); letters whose body was replaced stay')
    .addOption(queueOption())
    .option('--type <type>', 'only the letters of this resource type')
    .addHelpText('after', '\nFix what made them fail first: a letter that fails again is dead-lettered again.\nExit codes: 0 redriven (or the move started), 1 a send failed (that letter stays) or a redrive is already running, 3 unknown type, 4 no runtime.')
    .action(async (options: { queue?: Queue; type?: string }, command: Command) => {
      const context = contextOf(command, io);
      const results: RedriveView[] = [];
      for (const queue of await queuesOf(context, options.queue)) results.push(await redriveQueue(context, queue, options.type));
      context.print({ queues: results }, () => results.map(renderRedrive).join('\n'));
      if (results.some((result) => result.method === 'copy' && result.error)) io.exitCode = EXIT.failure;
    });
}

function purgeCommand(dlq: Command, io: CliIo): void {
  dlq
    .command('purge')
    .description('Delete every dead letter of one queue, for good')
    .addOption(queueOption().makeOptionMandatory())
    .option('--yes', 'do not ask (needed when not on a terminal)')
    .addHelpText('after', '\nAsks for confirmation on a terminal; elsewhere refuses without --yes.\nExit codes: 0 purged, 1 a purge ran less than a minute ago, 2 not confirmed, 4 no runtime.')
    .action(async (options: { queue: Queue; yes?: boolean }, command: Command) => {
      const context = contextOf(command, io);
      const { api } = await context.target();
      if (!options.yes) await confirmPurge(context, options.queue);
      const result = (await api.request('DELETE', `/v1/dead-letters/${segment(options.queue)}`, { query: { confirm: 'purge' } })).body;
      context.print(result, () => `${options.queue}: every dead letter deleted (SQS takes up to a minute)`);
    });
}

/** Redrives one queue; a copy that ran out of time is sent again while it makes progress. */
async function redriveQueue(context: CommandContext, queue: Queue, type: string | undefined): Promise<RedriveView> {
  const { api } = await context.target();
  let total: RedriveView | undefined;
  for (let round = 0; round < MAX_REDRIVE_ROUNDS; round++) {
    const result = (await api.request('POST', `/v1/dead-letters/${segment(queue)}/redrive`, { body: type ? { type } : {} })).body as RedriveView;
    total = total ? sumOf(total, result) : result;
    if (result.method !== 'copy' || result.complete || result.error || !result.redriven) break;
  }
  return total as RedriveView;
}

function sumOf(total: RedriveView, next: RedriveView): RedriveView {
  if (total.method !== 'copy' || next.method !== 'copy') return next;
  // Skipped letters are counted again by every round: the last round's counts are the ones left.
  return { ...next, redriven: total.redriven + next.redriven, notDeleted: total.notDeleted + next.notDeleted };
}

async function confirmPurge(context: CommandContext, queue: Queue): Promise<void> {
  const { io } = context;
  if (!io.prompt) throw new CliError(`purging deletes every letter of the ${queue} dead-letter queue for good: pass --yes to confirm`, EXIT.usage);
  const answer = await io.prompt(`Delete every letter of the ${queue} dead-letter queue for good? Type "purge" to confirm: `);
  if (answer.trim() !== 'purge') throw new CliError('not confirmed: nothing was deleted', EXIT.usage);
}

/**
 * The queue asked for, or every queue the deployment's status lists as configured (`apply`,
 * `verify`, then each own apply queue); one it lists as not configured is left out.
 */
async function queuesOf(context: CommandContext, queue: Queue | undefined): Promise<readonly Queue[]> {
  if (queue) return [queue];
  const { api } = await context.target();
  const depths = (await api.request('GET', '/v1/dead-letters')).body as { queues: Array<{ queue: Queue; configured: boolean }> };
  return depths.queues.filter((depth) => depth.configured).map((depth) => depth.queue);
}

function queueOf(value: string): Queue {
  if (!DEAD_LETTER_QUEUE_NAME.test(value)) throw new CliError(`--queue must be apply, verify or apply:<type>, got "${value}"`, EXIT.usage);
  return value as Queue;
}

function limitOf(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 1000) throw new CliError(`--limit must be an integer from 1 to 1000, got "${value}"`, EXIT.usage);
  return parsed;
}

function renderList(list: ListView): string {
  const seen = list.complete ? `every letter looked at (${list.scanned})` : `${list.scanned} looked at, there may be more`;
  if (list.items.length === 0) return `${list.queue}: no dead letters; ${seen}`;
  return [`${list.queue}: ${list.count} dead letter${list.count === 1 ? '' : 's'}; ${seen}`, ...list.items.map((item) => `  ${summaryLine(item)}`)].join('\n');
}

function summaryLine(item: LetterView): string {
  const what = item.type ? `${item.type}/${item.id ?? '?'}` : 'type unknown';
  const received = item.receiveCount ? `, received ${item.receiveCount === 1 ? 'once' : `${item.receiveCount} times`}` : '';
  const replaced = item.bodyReplaced ? ' [body replaced: cannot be redriven]' : '';
  return `${item.messageId}  ${what}  first seen ${item.firstSeen}${received}: ${item.reason ?? 'moved by SQS after its last receive (no reason recorded)'}${replaced}`;
}

function renderLetter(letter: LetterView & { queue: Queue }): string {
  const lines = [`${letter.queue} dead letter ${summaryLine(letter)}`];
  if (letter.originalMessageId) lines.push(`  message id on the ${letter.queue} queue: ${letter.originalMessageId}`);
  if (letter.bodyReplacedBecause) lines.push(`  the queue could not take the body (${letter.bodyReplacedBecause}): a stand-in with its SHA-256 and beginning follows`);
  lines.push('  body:', ...prettyBody(letter.body ?? '').split('\n').map((line) => `    ${line}`));
  return lines.join('\n');
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function renderRedrive(result: RedriveView): string {
  if (result.method === 'move-task') return `${result.queue}: SQS is moving about ${result.approximateCount ?? '?'} letters back to the queue (task ${result.taskHandle}); \`freshindex status\` shows what is left`;
  const skipped = [
    result.skippedReplaced ? `${result.skippedReplaced} with a replaced body` : '',
    result.skippedOtherTypes ? `${result.skippedOtherTypes} of other types` : '',
    result.skippedNewer ? `${result.skippedNewer} that arrived meanwhile` : '',
  ].filter(Boolean);
  const parts = [`${result.queue}: ${result.redriven ?? 0} redriven`];
  if (result.notDeleted) parts.push(`${result.notDeleted} sent but not deleted here (they are in both queues)`);
  if (skipped.length > 0) parts.push(`left here: ${skipped.join(', ')}`);
  if (result.error) parts.push(`stopped: ${result.error}`);
  else if (!result.complete) parts.push('more remain: run it again');
  return parts.join('; ');
}
