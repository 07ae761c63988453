/**
 * Backoff for retries: exponential with full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"), and `retryPending`, which retries what is left of a batch until nothing is left or
 * the time allowed is spent. Shared by the applier (retries inside one invocation), the DynamoDB
 * batch calls (unprocessed items) and the sources.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';

/** Waits `ms`, or rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Tuning of a full-jitter backoff; every field has a default. */
export interface JitterOptions {
  /**
   * Upper bound of the first retry's delay; each further retry doubles it.
   * @default 100
   */
  baseMs?: number;
  /**
   * Largest delay between two attempts.
   * @default 5000
   */
  capMs?: number;
  /** Replaces `Math.random` (tests). */
  random?: () => number;
}

/** Full jitter: a uniformly random delay in [0, min(cap, base · 2^(attempt−1))). */
export function fullJitterDelay(attempt: number, options: JitterOptions = {}): number {
  const ceiling = Math.min(options.capMs ?? 5_000, (options.baseMs ?? 100) * 2 ** Math.max(0, attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

export const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);

/** How long `retryPending` may go on. */
export interface RetryPendingOptions extends JitterOptions {
  /** Retries after the first call, at most. @default unbounded with `remainingMs` (the time left decides), else 3 */
  retries?: number;
  /**
   * Milliseconds left for retries (a Lambda's remaining time less a safety margin). A retry is
   * made only if its delay plus one more call as long as the longest so far still fits.
   * @default no time limit
   */
  remainingMs?: () => number;
  /** Replaces the timer (tests). */
  sleep?: Sleep;
}

class StillPending extends Error {}

/**
 * Calls `call` with `pending`, then again with what it left pending (after a full-jitter delay),
 * until it leaves nothing, `retries` are spent, or the time left cannot fit another delay and
 * call. Returns what is still pending (empty when everything settled); errors `call` throws
 * propagate as they are.
 *
 * @example
 * const failed = await retryPending(changes, (left) => applyOnce(left), { remainingMs: () => deadline - Date.now() });
 */
export async function retryPending<T>(pending: readonly T[], call: (pending: readonly T[], attempt: number) => Promise<T[]>, options: RetryPendingOptions = {}): Promise<T[]> {
  const sleep = options.sleep ?? defaultSleep;
  let left: readonly T[] = pending;
  let longestCallMs = 0;
  if (left.length === 0) return [];
  try {
    await pRetry(
      async (attempt) => {
        const started = Date.now();
        left = await call(left, attempt);
        longestCallMs = Math.max(longestCallMs, Date.now() - started);
        if (left.length > 0) throw new StillPending();
      },
      {
        retries: options.retries ?? (options.remainingMs ? Number.POSITIVE_INFINITY : 3),
        // p-retry's own delay is switched off: the jittered one is waited in shouldRetry.
        minTimeout: 0,
        maxTimeout: 0,
        shouldRetry: async ({ error, attemptNumber }) => {
          if (!(error instanceof StillPending)) return false;
          const wait = fullJitterDelay(attemptNumber, options);
          if (options.remainingMs && options.remainingMs() <= wait + longestCallMs) return false;
          await sleep(wait);
          return true;
        },
      },
    );
  } catch (error) {
    if (!(error instanceof StillPending)) throw error;
  }
  return [...left];
}
