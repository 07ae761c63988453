/**
 * Errors of the freshindex domain. Adapters translate vendor errors into these at the edge,
 * so the core (and the handlers) only ever see this family.
 *
 * Two properties drive behaviour, never the class name:
 * - `retryable`: a transient failure (throttling, 5xx, timeouts). Retried, then redelivered.
 * - `status`: the HTTP status the ops API answers with.
 */
export class FreshindexError extends Error {
  readonly retryable: boolean = false;
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

/** The source of truth failed. `retryable` tells a timeout or 5xx from a permanent refusal. */
export class SourceError extends FreshindexError {
  override readonly retryable: boolean;
  override readonly status = 502;
  constructor(message: string, options: { cause?: unknown; retryable: boolean; context?: Record<string, unknown> }) {
    super(message, options);
    this.name = 'SourceError';
    this.retryable = options.retryable;
  }
}

/** The index store failed (throttling, unavailable). Always worth another try. */
export class StoreError extends FreshindexError {
  override readonly retryable: boolean;
  override readonly status = 503;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'StoreError';
    this.retryable = options.retryable ?? true;
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

/** A one-line description of an error, for logs and dead-letter reasons. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
