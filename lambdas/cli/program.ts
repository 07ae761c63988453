/**
 * The `freshindex` command line: builds the commander program and runs it, turning every failure
 * into one line on stderr and an exit code (lambdas/cli/exit-codes.ts).
 *
 * @example
 * const code = await runCli(['status', '--json']);
 */
import { Command, CommanderError, Option } from 'commander';
import { describeError } from '../core/errors.ts';
import { cdcCommands } from './commands/cdc.ts';
import { consoleCommand } from './commands/console.ts';
import { createInterface } from 'node:readline/promises';
import { devCommand, type Synthesize } from './commands/dev.ts';
import { dlqCommands } from './commands/dlq.ts';
import { initCommand } from './commands/init.ts';
import { publishCommand } from './commands/publish.ts';
import { quarantineCommands } from './commands/quarantine.ts';
import { recordCommands } from './commands/records.ts';
import { similarCommands } from './commands/similar.ts';
import { typeCommands } from './commands/types.ts';
import type { CliIo } from './context.ts';
import { CliError, EXIT, oneLine } from './exit-codes.ts';

export type { CliIo } from './context.ts';
export type { Synthesize } from './commands/dev.ts';
export { EXIT, CliError } from './exit-codes.ts';

/** What `bin/freshindex.ts` plugs in. */
export interface CliDeps {
  /** Synthesizes the CDK app for `freshindex dev`. */
  synthesize?: Synthesize;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    progressStream: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    ...(process.stdin.isTTY && process.stderr.isTTY ? { prompt: askOnTerminal } : {}),
  };
}

async function askOnTerminal(question: string): Promise<string> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

/** Builds the program (exposed for tests of the help texts). */
export function buildProgram(io: CliIo, deps: CliDeps = {}): Command {
  const program = new Command('freshindex')
    .description('Operate freshindex: the local runtime (`freshindex dev`, what `npm start` runs) or a deployed stack (--endpoint)')
    .exitOverride()
    .configureOutput(outputOf(io))
    .showSuggestionAfterError(true)
    .option('--json', 'print the result as JSON (one document on stdout)')
    .option('--endpoint <url>', "a deployed stack's ops API (its ApiUrl output); requests are signed with SigV4 (default $FRESHINDEX_ENDPOINT)")
    .option('--region <region>', 'AWS region of --endpoint (default: from the URL, then $AWS_REGION)')
    .option('--profile <name>', 'AWS profile for --endpoint and publish --topic-arn (default: the standard credential chain)')
    .option('--state <file>', 'state file of the local runtime (default $FRESHINDEX_STATE_FILE, then .freshindex/dev.json)')
    .addOption(new Option('--timeout <seconds>', 'HTTP timeout per request').default(30).argParser((value) => {
      const parsed = Number(value);
      if (!(parsed > 0)) throw new CliError(`--timeout must be a positive number, got "${value}"`, EXIT.usage);
      return parsed;
    }))
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 ok, 1 failure (build failed, conflict, server error), 2 usage, 3 not found (type, resource, job), 4 no runtime reachable.',
        'Docs: docs/cli.md',
      ].join('\n'),
    );
  initCommand(program, io);
  devCommand(program, io, deps.synthesize);
  publishCommand(program, io);
  cdcCommands(program, io);
  typeCommands(program, io);
  recordCommands(program, io);
  similarCommands(program, io);
  quarantineCommands(program, io);
  consoleCommand(program, io);
  dlqCommands(program, io);
  for (const command of program.commands) inheritSettings(command, io);
  return program;
}

/**
 * Where commander writes: help to stdout, and its usage errors as the CLI's other errors are, one
 * line starting with `freshindex:` (`error: unknown command 'x'\n(Did you mean y?)` becomes
 * `freshindex: unknown command 'x' (Did you mean y?)`).
 */
function outputOf(io: CliIo) {
  return {
    writeOut: io.out,
    writeErr: io.err,
    outputError: (text: string, write: (text: string) => void) => write(`freshindex: ${oneLine(text.replace(/^error: /, ''))}\n`),
  };
}

function inheritSettings(command: Command, io: CliIo): void {
  command.exitOverride().configureOutput(outputOf(io)).showSuggestionAfterError(true);
  for (const child of command.commands) inheritSettings(child, io);
}

/** Runs the CLI on `argv` (without `node` and the script) and resolves with the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo = processIo(), deps: CliDeps = {}): Promise<number> {
  io.exitCode = EXIT.ok;
  const program = buildProgram(io, deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return io.exitCode ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      // Commander printed the problem already; a usage error whatever it was.
      if (error.code === 'commander.executeSubCommandAsync') return EXIT.failure;
      if (error.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`freshindex: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`freshindex: unexpected error: ${describeError(error)}\n`);
    return EXIT.failure;
  }
}
