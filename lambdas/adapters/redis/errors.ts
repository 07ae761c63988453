import { FreshindexError, StoreError } from '../../core/errors.ts';

/**
 * Server answers worth another try: a replica promoted or not yet writable, a dataset still
 * loading, a busy script, a cluster resharding, memory full until eviction or expiry frees some.
 */
const TRANSIENT_REPLY = /^(READONLY|LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MOVED|ASK|NOREPLICAS|OOM)\b/;

/**
 * Translates an ioredis error into the domain's `StoreError`. Connection failures (refused,
 * reset, closed, timed out, retries exhausted) and transient server replies are retryable; other
 * server replies (WRONGTYPE, script or permission errors) are not. The raw error stays as `cause`
 * only. Errors of our own pass through untouched.
 */
export function translateRedisError(error: unknown, operation: string, context: Record<string, unknown> = {}): FreshindexError {
  if (error instanceof FreshindexError) return error;
  const name = (error as { name?: string } | null)?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const reply = name === 'ReplyError';
  const retryable = !reply || TRANSIENT_REPLY.test(message);
  return new StoreError(`Redis ${operation} failed: ${reply ? message.split(' ')[0] ?? 'ReplyError' : name}: ${message}`, {
    cause: error,
    retryable,
    context,
  });
}

/** Runs `fn`, translating whatever it throws. */
export async function redisCall<T>(operation: string, context: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateRedisError(error, operation, context);
  }
}

/** The results of a pipeline, throwing the first failed command's error (translated). */
export function pipelineResults(results: [Error | null, unknown][] | null, operation: string, context: Record<string, unknown>): unknown[] {
  if (results === null) throw new StoreError(`Redis ${operation} failed: pipeline was discarded`, { context });
  return results.map(([error, value]) => {
    if (error) throw translateRedisError(error, operation, context);
    return value;
  });
}

/** Parses a stored JSON value; a value that is not JSON is a permanent `StoreError` (corrupt or foreign key). */
export function parseStored<T>(raw: string, what: string, context: Record<string, unknown>): T {
  try {
    return JSON.parse(raw) as T;
  } catch (error) {
    throw new StoreError(`Redis ${what} holds a value that is not JSON`, { cause: error, retryable: false, context });
  }
}
