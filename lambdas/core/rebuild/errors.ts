import { ConflictError, FreshindexError } from '../errors.ts';
import type { Lease } from './ports.ts';

/** Another build holds the type's lease and keeps heartbeating. */
export class LeaseHeldError extends ConflictError {
  readonly holder: Lease | undefined;
  constructor(type: string, holder: Lease | undefined) {
    super(
      holder
        ? `a build of "${type}" is already running (build ${holder.buildId} on ${holder.holder}, lease valid until ${new Date(holder.expiresAt).toISOString()})`
        : `the build lease of "${type}" is taken`,
      { type, holder },
    );
    this.name = 'LeaseHeldError';
    this.holder = holder;
  }
}

/** This build lost its lease (it stalled past the lease's lifetime and another build took over). */
export class LeaseLostError extends ConflictError {
  constructor(type: string, buildId: string) {
    super(`build ${buildId} of "${type}" lost its lease: another build took over`, { type, buildId });
    this.name = 'LeaseLostError';
  }
}

/** The build was asked to stop (SIGTERM from AWS Batch, Ctrl-C). */
export class BuildAbortedError extends FreshindexError {
  constructor(type: string, reason: unknown) {
    super(`build of "${type}" was stopped: ${reason instanceof Error ? reason.message : String(reason)}`, { cause: reason, context: { type } });
    this.name = 'BuildAbortedError';
  }
}

/**
 * Rollback asked for, but there is no generation to go back to that once served complete: none
 * at all, or only the initial generation (before the first build, filled by changes alone).
 * A conflict with the type's state: HTTP 409, CLI exit code 1.
 */
export class NothingToRollBackError extends ConflictError {
  constructor(type: string, why: string) {
    super(`nothing to roll back: ${why}`, { type });
    this.name = 'NothingToRollBackError';
  }
}
