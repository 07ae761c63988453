import type { TypeConfig } from '../core/config/index.ts';
import type { JobContext } from './context.ts';

/** Exit codes of the job container (AWS Batch shows them on the job). */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** A build failed its gate or its run; the old generation keeps serving. */
  failed: 1,
  /** Wrong command line, environment or config. */
  usage: 2,
  /** Another build of a type is still running (its lease is live). */
  busy: 3,
  /** An unexpected error: the job could not do its work. */
  error: 70,
  /** Asked to stop (SIGTERM from AWS Batch, Ctrl-C) before it finished: builds not flipped were discarded, what was left to delete stays noted for the next run. */
  interrupted: 130,
} as const;

/** The parsed command line of a job command. */
export interface JobArgs {
  /** The types named with `--type` (none: every type). */
  types: TypeConfig[];
}

/** One job command: `rebuild`, `audit`... */
export interface JobCommand {
  /** One line for `--help`. */
  summary: string;
  /** Runs the command; resolves with the process's exit code. */
  run(context: JobContext, args: JobArgs): Promise<number>;
}
