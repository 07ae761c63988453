/**
 * Exit codes of the `freshindex` CLI (docs/cli.md). Scripts can rely on them.
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The operation failed: a build failed, a conflict (409), the source or store failed (5xx). */
  failure: 1,
  /** Wrong command line or input (unknown option, bad JSON, invalid event, HTTP 400). */
  usage: 2,
  /** The type, resource, job or route does not exist (HTTP 404). */
  notFound: 3,
  /** No runtime to talk to: no local runtime running, or the endpoint does not answer. */
  unreachable: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports in one line, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The exit code for an HTTP error status of the ops API. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 400 || status === 405 || status === 413 || status === 415) return EXIT.usage;
  return EXIT.failure;
}

/** Collapses whitespace so a message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
