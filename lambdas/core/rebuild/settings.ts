/** The tunables of a rebuild: what the caller may set, and the defaults that fill in the rest. */
import type { TypeConfig } from '../config/schema.ts';
import type { Source } from '../ports.ts';
import type { LeaseTiming } from './lease.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';

/** Settings of a rebuild; only the first three have no default. */
export interface RebuildOptions {
  /** The pointer-cache lifetime of appliers and readers (config.pointerCacheSeconds × 1000). */
  pointerCacheMs: number;
  tombstoneTtlSeconds: number;
  /** Who runs the build (host, Batch job id), shown when another build is refused. */
  holder: string;
  /** Added to every wait on the pointer-cache lifetime, for clocks that run at slightly different rates. @default 1000 */
  settleMarginMs?: number;
  /** @default ttl 60 s, heartbeat ttl / 4, wait ttl + 1 s (long enough for a crashed holder's lease to run out) */
  lease?: Partial<LeaseTiming>;
  /** Parallel scan segments. @default the type's `rebuild.concurrency`, else derived from the source's size estimate */
  concurrency?: number;
  /** @default 500 */
  pageSize?: number;
  /** @default 100 */
  chunkSize?: number;
  /** @default 8 */
  writesInFlight?: number;
  /** @default 5000 */
  progressIntervalMs?: number;
  /** @default 3 attempts, 1000 ms apart */
  sampleRecheck?: { attempts: number; delayMs: number };
  /** Deletes per second of the clean-up. @default derived from the index table's capacity mode (see cleanup-rate.ts) */
  cleanupDeletesPerSecond?: number;
  /** Retries of transient store errors. @default `DEFAULT_RETRY_POLICY` (10 attempts, 50 ms doubling to 5 s, full jitter) */
  retry?: Partial<RetryPolicy>;
  /** @default a sortable id from the clock */
  buildId?: string;
  signal?: AbortSignal;
}

/** The settings of one run, every default resolved. */
export interface Settings {
  graceMs: number;
  lease: LeaseTiming;
  segments: number;
  total: number | undefined;
  pageSize: number;
  chunkSize: number;
  writesInFlight: number;
  progressIntervalMs: number;
  sampleRecheck: { attempts: number; delayMs: number };
  /** The configured clean-up rate; undefined: derived from the table's capacity after the load. */
  deletesPerSecond: number | undefined;
  retry: RetryPolicy;
}

/** Fills in the defaults of `options`; asks the source for its size estimate (sizes the scan and the progress). */
export async function resolveSettings(source: Source, type: TypeConfig, options: RebuildOptions): Promise<Settings> {
  const total = source.estimateCount ? await source.estimateCount().catch(() => undefined) : undefined;
  const ttlMs = options.lease?.ttlMs ?? 60_000;
  return {
    graceMs: options.pointerCacheMs + (options.settleMarginMs ?? 1000),
    lease: { ttlMs, heartbeatMs: options.lease?.heartbeatMs ?? Math.max(50, Math.floor(ttlMs / 4)), waitMs: options.lease?.waitMs ?? ttlMs + 1_000 },
    segments: options.concurrency ?? type.rebuild.concurrency ?? defaultSegments(total),
    total,
    pageSize: options.pageSize ?? 500,
    chunkSize: options.chunkSize ?? 100,
    writesInFlight: options.writesInFlight ?? 8,
    progressIntervalMs: options.progressIntervalMs ?? 5_000,
    sampleRecheck: options.sampleRecheck ?? { attempts: 3, delayMs: 1_000 },
    deletesPerSecond: options.cleanupDeletesPerSecond,
    retry: retryPolicyOf(options),
  };
}

/**
 * Scan segments from the source's size estimate: one per 25,000 documents, between 1 and 16;
 * 4 when the source cannot tell.
 */
export function defaultSegments(estimate: number | undefined): number {
  if (estimate === undefined) return 4;
  return Math.min(16, Math.max(1, Math.ceil(estimate / 25_000)));
}

/** The retry policy of `options`, defaults filled in. */
export function retryPolicyOf(options: RebuildOptions): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...options.retry };
}
