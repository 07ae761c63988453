/**
 * The one retry of the rebuild: every store call of every phase goes through a `Retrier`, which
 * retries transient errors (`isRetryable`: throttling, 5xx, timeouts) with exponential backoff
 * and full jitter, on top of p-retry. A build has no invocation deadline, so the bound is the
 * number of attempts; a call that fails them all fails its phase.
 */
import pRetry from 'p-retry';
import { describeError, isRetryable } from '../errors.ts';
import type { Sleep } from './lease.ts';
import type { RebuildLog } from './ports.ts';

/** How a rebuild retries one call. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Upper bound of the first retry's delay; each further retry doubles it. */
  baseMs: number;
  /** Largest delay between two attempts. */
  capMs: number;
}

/**
 * 10 attempts, 50 ms doubling to 5 s (about 20 s of waiting at most). At 20% of calls failing
 * independently, one call fails all ten attempts with probability 0.2^10 ≈ 1e-7.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 10, baseMs: 50, capMs: 5_000 };

export interface RetrierOptions {
  policy: RetryPolicy;
  sleep: Sleep;
  random: () => number;
  log: RebuildLog;
}

/** Options of one `Retrier.call`. */
export interface CallOptions {
  /** Also retries errors this matches. */
  retryIf?: (error: unknown) => boolean;
  /** Stops retrying (and waiting) once aborted: the error is thrown as it is. */
  signal?: AbortSignal | undefined;
}

/** Counts the retries it made, for the build report. */
export class Retrier {
  #retries = 0;

  constructor(private readonly options: RetrierOptions) {}

  /** Transient errors retried so far. */
  get retries(): number {
    return this.#retries;
  }

  /**
   * Runs `call` until it succeeds, throws an error that is not transient (nor matched by
   * `options.retryIf`), or used up its attempts; then its last error is thrown as it is. Calls
   * without a signal go on retrying after the build was asked to stop: a discard must still land.
   *
   * @example
   * const pointer = await retrier.call('read the pointer', () => store.readPointer(type));
   */
  async call<T>(what: string, call: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    const { policy } = this.options;
    const { signal, retryIf = () => false } = options;
    return pRetry(call, {
      retries: Math.max(0, policy.attempts - 1),
      // p-retry's own delay is off: the jittered one is waited in shouldRetry, on the injected sleep.
      minTimeout: 0,
      maxTimeout: 0,
      ...(signal ? { signal } : {}),
      shouldRetry: async ({ error, attemptNumber, retriesLeft }) => {
        if (signal?.aborted || !(retryIf(error) || isRetryable(error))) return false;
        this.#retries++;
        if (retriesLeft <= 2) this.options.log.warn('a store call keeps failing; retrying', { what, attempt: attemptNumber, error: describeError(error) });
        await this.options.sleep(this.delay(attemptNumber), signal);
        return true;
      },
    });
  }

  /** Full jitter: uniform in [0, min(cap, base · 2^(attempt−1))). */
  delay(attempt: number): number {
    const { baseMs, capMs } = this.options.policy;
    return Math.floor(this.options.random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1)));
  }
}
