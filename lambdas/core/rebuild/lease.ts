import { ConflictError } from '../errors.ts';
import type { Clock } from '../ports.ts';
import { LeaseHeldError, LeaseLostError } from './errors.ts';
import type { Lease, LeaseStore, RebuildLog } from './ports.ts';

/** Timing of the build lease. */
export interface LeaseTiming {
  /** How long a lease lasts without a heartbeat. */
  ttlMs: number;
  /** How often the holder renews it (well below `ttlMs`). */
  heartbeatMs: number;
  /** How long to wait for a held lease to be released or to expire before giving up. */
  waitMs: number;
}

/** Waits between attempts to take a lease, as `sleep(ms)`. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A sleep that wakes early (rejecting) when `signal` aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Takes the type's lease, waiting up to `timing.waitMs` for a held one to expire (a crashed
 * build stops heartbeating, so its lease runs out). Throws `LeaseHeldError` when a live build
 * keeps it.
 */
export async function acquireLease(
  store: LeaseStore,
  wanted: Omit<Lease, 'acquiredAt' | 'expiresAt'>,
  timing: LeaseTiming,
  clock: Clock,
  sleep: Sleep,
  signal?: AbortSignal,
): Promise<Lease> {
  const deadline = clock() + timing.waitMs;
  for (;;) {
    const now = clock();
    const lease: Lease = { ...wanted, acquiredAt: now, expiresAt: now + timing.ttlMs };
    try {
      await store.acquire(lease, now);
      return lease;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const holder = await store.read(wanted.type);
      const left = deadline - clock();
      if (left <= 0) throw new LeaseHeldError(wanted.type, holder);
      const untilExpiry = holder ? holder.expiresAt - clock() + 10 : 0;
      await sleep(Math.max(10, Math.min(left, untilExpiry, Math.max(50, timing.heartbeatMs / 2))), signal);
    }
  }
}

/**
 * Keeps a lease alive by renewing it every `heartbeatMs`. When a renewal finds the lease taken,
 * `onLost` runs once (the build then stops); transient renewal failures are only logged, since
 * the lease outlives several missed heartbeats.
 */
export class LeaseKeeper {
  #lease: Lease;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lost = false;
  #renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: LeaseStore,
    lease: Lease,
    private readonly timing: LeaseTiming,
    private readonly clock: Clock,
    private readonly log: RebuildLog,
    private readonly onLost: (error: LeaseLostError) => void,
  ) {
    this.#lease = lease;
  }

  get lease(): Lease {
    return this.#lease;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#renewing = this.#renewing.then(() => this.#renew().catch(() => undefined));
    }, this.timing.heartbeatMs);
    this.#timer.unref?.();
  }

  /** Renews now and throws `LeaseLostError` unless this build still holds the lease. */
  async confirm(): Promise<Lease> {
    await this.#renewing;
    if (this.#lost) throw new LeaseLostError(this.#lease.type, this.#lease.buildId);
    await this.#renew(true);
    return this.#lease;
  }

  /** Stops heartbeating and gives the lease up. */
  async release(): Promise<void> {
    this.stop();
    await this.#renewing;
    if (!this.#lost) await this.store.release(this.#lease);
  }

  /** Stops heartbeating, keeping the lease until it expires. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renew(strict = false): Promise<void> {
    if (this.#lost) return;
    try {
      this.#lease = await this.store.renew(this.#lease, this.clock() + this.timing.ttlMs);
    } catch (error) {
      if (error instanceof ConflictError) {
        this.#lost = true;
        this.stop();
        const lost = new LeaseLostError(this.#lease.type, this.#lease.buildId);
        this.onLost(lost);
        throw lost;
      }
      this.log.warn('lease heartbeat failed; retrying at the next beat', { type: this.#lease.type, error: String(error) });
      if (strict) throw error;
    }
  }
}
