/**
 * What every command gets: where to write, the global options, and the target runtime (resolved
 * lazily, so `--help` and usage errors never need a runtime).
 */
import type { Command } from 'commander';
import type { GlobalOptions, Target } from './target.ts';

/** Where the CLI writes, and the environment it reads. Tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Where progress bars draw (stderr); they draw only when it is a terminal. */
  progressStream?: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Asks a question on the terminal and resolves with the answer; absent when not on a terminal (then commands needing a confirmation want --yes). */
  prompt?: (question: string) => Promise<string>;
  /** The exit code of a command that printed its result but did not succeed (a failed build). */
  exitCode?: number;
}

/** The context of one command's action. */
export interface CommandContext {
  io: CliIo;
  globals: GlobalOptions;
  target(): Promise<Target>;
  /** Prints `value` as JSON (with --json) or `human()` lines. */
  print(value: unknown, human: () => string): void;
}

/** The context of a command, from its options and the global ones. */
export function contextOf(command: Command, io: CliIo): CommandContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  let target: Promise<Target> | undefined;
  return {
    io,
    globals,
    // Loaded on first use: the target pulls in the AWS SDK's signing and the state file's schema.
    target: () => (target ??= import('./target.ts').then(({ resolveTarget }) => resolveTarget(globals, io.env))),
    print(value, human) {
      io.out(globals.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
  };
}

/** Encodes a path segment (ids may hold slashes, spaces...). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
