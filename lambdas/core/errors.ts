import type { WriteOutcome } from './records.ts';

/**
 * Errors of the freshindex domain. Adapters translate vendor errors into these at the edge,
 * so the core (and the handlers) only ever see this family.
 *
 * Three properties drive behaviour, never the class name:
 * - `retryable`: a transient failure (throttling, 5xx, timeouts). Retried, then redelivered.
 * - `widespread`: the failure is not one item's: every call of its kind fails alike (the source
 *   refuses the credentials, a table is missing or forbidden). Retryable by redelivery once an
 *   operator fixed it, never retried inside a call, and alerted; never blamed on one change.
 * - `status`: the HTTP status the ops API answers with.
 */
export class FreshindexError extends Error {
  readonly retryable: boolean = false;
  readonly widespread: boolean = false;
  readonly status: number = 500;
  readonly context: Record<string, unknown>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FreshindexError';
    this.context = options.context ?? {};
  }
}

/** A configuration that cannot be used. `problems` names every problem found, not just the first. */
export class ConfigError extends FreshindexError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options: { cause?: unknown } = {}) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A change message that can never be applied as it is: it goes to the dead-letter queue with this reason. */
export class InvalidChangeError extends FreshindexError {
  override readonly status = 400;
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'InvalidChangeError';
  }
}

/** The type's transform (or version function) threw on a document: the document is rejected. */
export class TransformError extends InvalidChangeError {
  constructor(type: string, id: string, options: { cause?: unknown } = {}) {
    const detail = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`transform of ${type}/${id} rejected the document: ${detail}`, { ...options, context: { type, id } });
    this.name = 'TransformError';
  }
}

/** A resource type that the config does not declare. */
export class UnknownTypeError extends FreshindexError {
  override readonly status = 404;
  constructor(type: string) {
    super(`unknown resource type "${type}"`, { context: { type } });
    this.name = 'UnknownTypeError';
  }
}

/** A resource that neither the index nor the source knows. */
export class NotFoundError extends FreshindexError {
  override readonly status = 404;
  constructor(what: string, context: Record<string, unknown> = {}) {
    super(`${what} not found`, { context });
    this.name = 'NotFoundError';
  }
}

/** Options of the errors whose retryability their adapter decides. */
interface ClassifiedErrorOptions {
  cause?: unknown;
  context?: Record<string, unknown>;
  /** Not one item's failure (see `FreshindexError.widespread`); implies `retryable`. */
  widespread?: boolean;
}

/**
 * The source of truth failed. `retryable` tells a timeout or 5xx from a permanent refusal;
 * `widespread` marks a source that refuses every read of the type (401, 403, access denied).
 */
export class SourceError extends FreshindexError {
  override readonly retryable: boolean;
  override readonly widespread: boolean;
  override readonly status = 502;
  constructor(message: string, options: ClassifiedErrorOptions & { retryable: boolean }) {
    super(message, options);
    this.name = 'SourceError';
    this.widespread = options.widespread ?? false;
    this.retryable = options.retryable || this.widespread;
  }
}

/** The index store failed (throttling, unavailable). Worth another try unless the adapter says otherwise. */
export class StoreError extends FreshindexError {
  override readonly retryable: boolean;
  override readonly widespread: boolean;
  override readonly status = 503;
  constructor(message: string, options: ClassifiedErrorOptions & { retryable?: boolean } = {}) {
    super(message, options);
    this.name = 'StoreError';
    this.widespread = options.widespread ?? false;
    this.retryable = (options.retryable ?? true) || this.widespread;
  }
}

/**
 * Some writes of a `RecordStore.write` call failed. Every write was still tried and answered on
 * its own: `outcomes` holds one entry per write, in order. Retryable when every failure is, so a
 * caller that retries the whole call (the writes are version-guarded) may succeed.
 */
export class PartialWriteError extends StoreError {
  readonly outcomes: readonly WriteOutcome[];
  constructor(outcomes: readonly WriteOutcome[], context: Record<string, unknown> = {}) {
    const failures = outcomes.flatMap((outcome) => (typeof outcome === 'object' ? [outcome.error] : []));
    super(`${failures.length} of ${outcomes.length} writes failed, first: ${describeError(failures[0])}`, {
      cause: failures[0],
      retryable: failures.every(isRetryable),
      context: { ...context, failed: failures.length, writes: outcomes.length },
    });
    this.name = 'PartialWriteError';
    this.outcomes = outcomes;
  }
}

/**
 * Some ids of a `Source.getMany` call could not be read. Every id was still asked for on its own
 * (or with its batch): `found` holds the documents read, `failures` why the others failed; an id
 * in neither is one the source does not know (a delete). Retryable when every failure is.
 */
export class PartialReadError extends SourceError {
  readonly found: ReadonlyMap<string, Record<string, unknown>>;
  readonly failures: ReadonlyMap<string, unknown>;
  constructor(found: ReadonlyMap<string, Record<string, unknown>>, failures: ReadonlyMap<string, unknown>, context: Record<string, unknown> = {}) {
    const errors = [...failures.values()];
    super(`${failures.size} reads failed (${found.size} documents read), first: ${describeError(errors[0])}`, {
      cause: errors[0],
      retryable: errors.every(isRetryable),
      widespread: errors.length > 0 && errors.every(isWidespread),
      context: { ...context, failed: failures.size, found: found.size },
    });
    this.name = 'PartialReadError';
    this.found = found;
    this.failures = failures;
  }
}

/** A conditional write on a control record lost a race (pointer moved, lease taken). */
export class ConflictError extends FreshindexError {
  override readonly status = 409;
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, { context });
    this.name = 'ConflictError';
  }
}

/** True when an error is worth retrying: ours say so, anything unknown is assumed transient. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof FreshindexError) return error.retryable;
  return true;
}

/** True when an error is not one item's failure (see `FreshindexError.widespread`). */
export function isWidespread(error: unknown): boolean {
  return error instanceof FreshindexError && error.widespread;
}

/** A one-line description of an error, for logs and dead-letter reasons. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
