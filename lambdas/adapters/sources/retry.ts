/**
 * Retries of source calls (and of alert webhooks): exponential backoff with full jitter (AWS
 * Architecture Blog, "Exponential Backoff And Jitter"), a server's `Retry-After` honoured when it
 * is short enough, on top of p-retry. Only an error of the retried class (`SourceError` unless told
 * otherwise) with `retryable: true` is retried (not a `widespread`
 * one: a refused credential is refused again at once); after the last try
 * the last error is thrown as it is, so its `retryable` tells the caller whether a later
 * redelivery may succeed.
 */
import pRetry from 'p-retry';
import { defaultSleep, fullJitterDelay, type JitterOptions, type Sleep } from '../../core/backoff.ts';
import { FreshindexError, SourceError } from '../../core/errors.ts';

export { fullJitterDelay, type Sleep } from '../../core/backoff.ts';

/** One retry about to happen, for logs and tests. */
export interface RetryEvent {
  /** The attempt that failed (1 for the first try). */
  attempt: number;
  /** How long the source waits before the next attempt. */
  delayMs: number;
  error: FreshindexError;
}

/** Tuning of the backoff; every field has a default. */
export interface BackoffOptions extends JitterOptions {
  /**
   * A `Retry-After` longer than this is not waited for inside the call: the retryable error is
   * thrown at once, so the caller (an SQS redelivery, for instance) comes back later.
   * @default 10000
   */
  maxRetryAfterMs?: number;
  /** Replaces the timer (tests). */
  sleep?: Sleep;
  /** Called before each retry. */
  onRetry?: (event: RetryEvent) => void;
}

/** What `withRetries` needs besides the tuning. */
export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt. */
  retries: number;
  signal?: AbortSignal | undefined;
  /** The error class that may be retried (its `retryable` decides). @default SourceError */
  retried?: abstract new (...args: never[]) => FreshindexError;
}

/** Context key of a retried error carrying the server's `Retry-After`, in milliseconds. */
export const RETRY_AFTER_MS = 'retryAfterMs';

/**
 * Runs `attempt` until it succeeds, throws something that is not a retryable `SourceError`, or
 * `retries` retries were spent.
 *
 * @example
 * const doc = await withRetries(() => fetchOnce(url), { retries: 3, signal });
 */
export async function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  return pRetry(attempt, {
    retries: options.retries,
    // p-retry's own delay is switched off: the jittered one is waited in shouldRetry.
    minTimeout: 0,
    maxTimeout: 0,
    ...(options.signal ? { signal: options.signal } : {}),
    shouldRetry: async ({ error, attemptNumber }) => {
      if (!(error instanceof (options.retried ?? SourceError)) || !error.retryable || error.widespread || options.signal?.aborted) return false;
      const retryAfter = error.context[RETRY_AFTER_MS];
      let delayMs: number;
      if (typeof retryAfter === 'number') {
        if (retryAfter > (options.maxRetryAfterMs ?? 10_000)) return false;
        delayMs = retryAfter;
      } else {
        delayMs = fullJitterDelay(attemptNumber, options);
      }
      options.onRetry?.({ attempt: attemptNumber, delayMs, error });
      await sleep(delayMs, options.signal);
      return true;
    },
  });
}

/**
 * Parses an HTTP `Retry-After` value (delta-seconds or an HTTP date) into milliseconds from
 * `now`; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
