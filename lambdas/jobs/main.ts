/**
 * The job container's entry: the same code runs on AWS Batch (Fargate) and locally as a child
 * process. `runJob(config, ['rebuild', '--type', 'video'], process.env)` resolves with the exit code.
 */
import { parseArgs } from 'node:util';
import { validateConfig, findType, type FreshindexConfig, type FreshindexConfigInput, type TypeConfig } from '../core/config/index.ts';
import { ConfigError, describeError } from '../core/errors.ts';
import { createJobContext, type JobContext, type JobOverrides } from './context.ts';
import { EXIT, type JobCommand } from './exit.ts';
import { rebuildCommand } from './rebuild.ts';
import { auditCommand } from './audit.ts';
import { loadSegmentsCommand } from './load-segments.ts';

export { EXIT, type JobArgs, type JobCommand } from './exit.ts';
export type { JobContext, JobOverrides } from './context.ts';

/**
 * The commands of the job container. A new job adds one line here (e.g. `audit: auditCommand`,
 * with `auditCommand` a `JobCommand` exported by its own module).
 */
export const jobCommands: Record<string, JobCommand> = {
  rebuild: rebuildCommand,
  audit: auditCommand,
  'load-segments': loadSegmentsCommand,
};

/**
 * Runs one job command and resolves with the exit code (see `EXIT`); never throws.
 *
 * @param configInput the user's config (`freshindex.config.ts`'s `config`)
 * @param argv the command line after the program: `['rebuild', '--type', 'video']`
 * @param env the environment (`process.env`), parsed once here
 */
export async function runJob(
  configInput: FreshindexConfigInput | FreshindexConfig,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  overrides: JobOverrides = {},
): Promise<number> {
  const parsed = parseCommandLine(argv);
  if ('help' in parsed) {
    process.stdout.write(usage());
    return parsed.help ? EXIT.ok : EXIT.usage;
  }
  let config: FreshindexConfig;
  try {
    config = validateConfig(configInput);
  } catch (error) {
    return fail(describeError(error));
  }
  const types: TypeConfig[] = [];
  for (const name of parsed.types) {
    const type = findType(config, name);
    if (!type) return fail(`unknown type "${name}"; the config declares: ${config.types.map((t) => t.name).join(', ')}`);
    types.push(type);
  }
  let context: JobContext;
  try {
    context = createJobContext(config, env, overrides);
  } catch (error) {
    if (error instanceof ConfigError) return fail(`invalid environment:\n  - ${error.problems.join('\n  - ')}`);
    return fail(describeError(error));
  }
  try {
    context.logger.info('job started', { command: parsed.command, types: types.map((t) => t.name), holder: context.holder });
    const code = await parsed.run(context, { types });
    if (code === EXIT.interrupted) context.logger.warn('job interrupted before it finished', { command: parsed.command, exitCode: code, reason: String(context.signal.reason) });
    else context.logger.info('job finished', { command: parsed.command, exitCode: code });
    return code;
  } catch (error) {
    context.logger.error('job failed', { command: parsed.command, error: describeError(error) });
    return EXIT.error;
  } finally {
    await context.runtime.close().catch(() => undefined);
  }
}

type Parsed = { help: boolean } | { command: string; run: JobCommand['run']; types: string[] };

function parseCommandLine(argv: readonly string[]): Parsed {
  let values: { type?: string[]; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { type: { type: 'string', short: 't', multiple: true }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    return { help: false };
  }
  if (values.help) return { help: true };
  const [command, ...rest] = positionals;
  const entry = command === undefined ? undefined : jobCommands[command];
  if (!entry || rest.length > 0) {
    if (command !== undefined) process.stderr.write(`unknown command or argument: ${[command, ...rest].join(' ')}\n`);
    return { help: false };
  }
  return { command: command as string, run: entry.run.bind(entry), types: values.type ?? [] };
}

function usage(): string {
  const commands = Object.entries(jobCommands).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`);
  return [
    'usage: <command> [--type T ...]',
    '',
    'commands:',
    ...commands,
    '',
    `exit codes: ${EXIT.ok} done, ${EXIT.failed} a build failed (the old generation serves), ${EXIT.usage} usage, ${EXIT.busy} another build runs, ${EXIT.error} error, ${EXIT.interrupted} interrupted (SIGTERM, Ctrl-C)`,
    '',
  ].join('\n');
}

function fail(message: string): number {
  process.stderr.write(`freshindex job: ${message}\n`);
  return EXIT.usage;
}
