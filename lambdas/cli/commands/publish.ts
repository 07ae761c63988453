/**
 * `freshindex publish`: sends change events to the change topic, as a CMS does. Locally to the
 * emulated topic of the running runtime; on AWS to `--topic-arn` with your AWS credentials.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SNSClient } from '@aws-sdk/client-sns';
import { Option, type Command } from 'commander';
import { describeError, InvalidChangeError } from '../../core/errors.ts';
import type { ChangeEvent } from '../../core/events.ts';
import { contextOf, type CliIo } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

interface PublishOptions {
  op: 'upsert' | 'delete';
  version?: string;
  doc?: string;
  file?: string;
  topicArn?: string;
}

export function publishCommand(program: Command, io: CliIo): void {
  program
    .command('publish')
    .description('Publish change events to the change topic, as a CMS does: one from the arguments, or many from a JSON file')
    .argument('[type]', 'resource type')
    .argument('[id]', 'resource id')
    .addOption(new Option('--op <op>', 'what happened').choices(['upsert', 'delete']).default('upsert'))
    .option('--version <version>', 'the source version after the change (a number or an ISO-8601 timestamp)')
    .option('--doc <json>', 'the whole document after an upsert, as JSON (without it freshindex reads the source)')
    .option('--file <path>', 'a JSON file holding one change event or an array of them')
    .option('--topic-arn <arn>', 'publish to this topic of a deployed stack (its ChangeTopicArn output) with your AWS credentials; with --endpoint, $FRESHINDEX_CHANGE_TOPIC_ARN is the default')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  freshindex publish movie the-matrix-1999 --version 1767225600000',
        '  freshindex publish movie old-film-1950 --op delete --version 1767225600000',
        '  freshindex publish --file changes.json',
        '  freshindex publish video v-42 --topic-arn arn:aws:sns:eu-west-1:123456789012:FreshindexData-ChangeTopic...',
        '',
        'Exit codes: 0 published, 2 invalid event or arguments, 3 unknown type (local runtime), 4 no runtime.',
      ].join('\n'),
    )
    .action(async (type: string | undefined, id: string | undefined, options: PublishOptions, command: Command) => {
      const context = contextOf(command, io);
      // The SDK and the event schema load when a command runs, not for `--help`.
      const [{ SNSClient }, { ChangePublisher }] = await Promise.all([import('@aws-sdk/client-sns'), import('../../publisher/index.ts')]);
      const events = await eventsFrom(type, id, options, io.cwd);
      const deployedTopic = options.topicArn ?? (context.globals.endpoint ? io.env['FRESHINDEX_CHANGE_TOPIC_ARN'] : undefined);
      if (context.globals.endpoint && !deployedTopic) {
        throw new CliError('publishing to a deployed stack needs --topic-arn (the ChangeTopicArn output of its data stack) or $FRESHINDEX_CHANGE_TOPIC_ARN', EXIT.usage);
      }
      let sns: SNSClient;
      let target: string;
      if (deployedTopic) {
        sns = new SNSClient({ ...(context.globals.region ? { region: context.globals.region } : {}), ...(context.globals.profile ? { profile: context.globals.profile } : {}) });
        target = deployedTopic;
      } else {
        const { state } = await context.target();
        if (!state) throw new CliError('no local runtime to publish to', EXIT.unreachable);
        const heard = [...state.types, ...state.events];
        const unknown = events.find((event) => !heard.includes(event.type));
        if (unknown) {
          const declared = state.events.length > 0 ? ` and the events ${state.events.join(', ')}` : '';
          throw new CliError(`unknown resource type "${unknown.type}": the running config declares the types ${state.types.join(', ')}${declared}`, EXIT.notFound);
        }
        sns = new SNSClient({ endpoint: state.endpoints.sns, region: state.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2 });
        target = state.changeTopicArn;
      }
      try {
        const failures = await new ChangePublisher({ sns, topicArn: target }).publishMany(events);
        if (failures.length > 0) throw new CliError(`${failures.length} of ${events.length} events were refused: ${failures[0]?.code}: ${failures[0]?.message}`, EXIT.failure);
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(`publishing to ${target} failed: ${describeError(error)}`, /ECONNREFUSED|fetch failed/.test(String(error)) ? EXIT.unreachable : EXIT.failure, { cause: error });
      } finally {
        sns.destroy();
      }
      context.print({ published: events.length, topicArn: target, events }, () =>
        events.length === 1 ? `published ${events[0]?.op} ${events[0]?.type}/${events[0]?.id}` : `published ${events.length} change events`,
      );
    });
}

async function eventsFrom(type: string | undefined, id: string | undefined, options: PublishOptions, cwd: string): Promise<ChangeEvent[]> {
  let candidates: unknown[];
  if (options.file) {
    if (type || id) throw new CliError('give either TYPE ID or --file, not both', EXIT.usage);
    let text: string;
    try {
      text = await readFile(resolve(cwd, options.file), 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${options.file}: ${(error as Error).message}`, EXIT.usage);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CliError(`${options.file} is not JSON: ${(error as Error).message}`, EXIT.usage);
    }
    candidates = Array.isArray(parsed) ? parsed : [parsed];
    if (candidates.length === 0) throw new CliError(`${options.file} holds no events`, EXIT.usage);
  } else {
    if (!type || !id) throw new CliError('give TYPE and ID (or --file FILE)', EXIT.usage);
    let doc: unknown;
    if (options.doc !== undefined) {
      try {
        doc = JSON.parse(options.doc);
      } catch (error) {
        throw new CliError(`--doc is not JSON: ${(error as Error).message}`, EXIT.usage);
      }
    }
    const version = options.version === undefined ? undefined : /^\d+(\.\d+)?$/.test(options.version) ? Number(options.version) : options.version;
    candidates = [{ type, id, op: options.op, ...(version !== undefined ? { version } : {}), ...(doc !== undefined ? { doc } : {}), occurredAt: new Date().toISOString() }];
  }
  const { parseChangeEvent } = await import('../../core/events.ts');
  return candidates.map((candidate, index) => {
    try {
      return parseChangeEvent(candidate);
    } catch (error) {
      if (error instanceof InvalidChangeError) throw new CliError(candidates.length > 1 ? `event ${index}: ${error.message}` : error.message, EXIT.usage);
      throw error;
    }
  });
}
