/** The tunables of a rebuild: what the caller may set, and the defaults that fill in the rest. */
import type { TypeConfig } from '../config/schema.ts';
import type { RecordStore, Source } from '../ports.ts';
import type { LeaseTiming } from './lease.ts';
import { DEFAULT_RETRY_POLICY, type Retrier, type RetryPolicy } from './retry.ts';

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
  /** Parallel scan segments. @default the type's `rebuild.concurrency`, else `defaultSegments` of the source's size estimate and the type's `rebuild.targetMinutes` */
  concurrency?: number;
  /** @default 500 */
  pageSize?: number;
  /** Records per bulk write call. @default the record store's `bulkChunkSize`, else 100 */
  chunkSize?: number;
  /** Bulk write calls in flight over all segments. @default two per segment */
  writesInFlight?: number;
  /**
   * Processes the load is split over (an array job's children), when the rebuild is given a
   * `ChildLoader`. @default one per `SEGMENTS_PER_CHILD` segments
   */
  children?: number;
  /** @default 5000 */
  progressIntervalMs?: number;
  /** @default 3 attempts, 1000 ms apart */
  sampleRecheck?: { attempts: number; delayMs: number };
  /**
   * Warm write throughput (units per second) to raise the index table to before the load.
   * @default the load's planned rate (segments × `SEGMENT_ITEMS_PER_SECOND`) when the source holds at least `WARM_FROM` documents; else none
   */
  warmWritesPerSecond?: number;
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
  /** Processes the load is split over (1: the build loads itself). */
  children: number;
  progressIntervalMs: number;
  sampleRecheck: { attempts: number; delayMs: number };
  /** Warm write throughput to ask for before the load; undefined: none. */
  warmWritesPerSecond: number | undefined;
  /** The configured clean-up rate; undefined: derived from the table's capacity after the load. */
  deletesPerSecond: number | undefined;
  retry: RetryPolicy;
}

/**
 * Fills in the defaults of `options`; asks the source for its size estimate (sizes the scan and the
 * progress), retried by `retrier`: a source that cannot tell gets the defaults for an unknown size.
 * The chunk of the load is the one `records` asks for, unless set.
 */
export async function resolveSettings(source: Source, type: TypeConfig, options: RebuildOptions, retrier: Retrier, records: Pick<RecordStore, 'bulkChunkSize'> = {}): Promise<Settings> {
  const estimate = source.estimateCount?.bind(source);
  const total = estimate ? await retrier.call('source estimateCount', estimate).catch(() => undefined) : undefined;
  const ttlMs = options.lease?.ttlMs ?? 60_000;
  const segments = options.concurrency ?? type.rebuild.concurrency ?? defaultSegments(total, type.rebuild.targetMinutes * 60);
  return {
    graceMs: options.pointerCacheMs + (options.settleMarginMs ?? 1000),
    lease: { ttlMs, heartbeatMs: options.lease?.heartbeatMs ?? Math.max(50, Math.floor(ttlMs / 4)), waitMs: options.lease?.waitMs ?? ttlMs + 1_000 },
    segments,
    total,
    pageSize: options.pageSize ?? 500,
    chunkSize: options.chunkSize ?? records.bulkChunkSize ?? 100,
    writesInFlight: options.writesInFlight ?? WRITES_PER_SEGMENT * segments,
    children: Math.min(segments, options.children ?? Math.ceil(segments / SEGMENTS_PER_CHILD)),
    progressIntervalMs: options.progressIntervalMs ?? 5_000,
    sampleRecheck: options.sampleRecheck ?? { attempts: 3, delayMs: 1_000 },
    warmWritesPerSecond: options.warmWritesPerSecond ?? (total !== undefined && total >= WARM_FROM ? segments * SEGMENT_ITEMS_PER_SECOND : undefined),
    deletesPerSecond: options.cleanupDeletesPerSecond,
    retry: retryPolicyOf(options),
  };
}

/** What one segment is assumed to load per second (one stream of source pages, transformed and bulk-written): sizes the default. */
export const SEGMENT_ITEMS_PER_SECOND = 1_000;
/** Bulk write calls each segment keeps in flight by default: one being written while the next chunk fills. */
export const WRITES_PER_SEGMENT = 2;
/** Segments one container loads by default: past it, the load is split over an array job's children. */
export const SEGMENTS_PER_CHILD = 16;
/** Sources at least this large get the index table's warm throughput raised before the load, by default. */
export const WARM_FROM = 1_000_000;
/** The most segments a build takes by default (the config allows 64). */
export const MAX_SEGMENTS = 64;

/**
 * Scan segments from the source's size estimate: one per 25,000 documents (as many as 16), and more
 * when that would not load the estimate within `targetSeconds` at `SEGMENT_ITEMS_PER_SECOND` each
 * (as many as 64); 4 when the source cannot tell. 10 M documents in 20 minutes: 16 segments.
 */
export function defaultSegments(estimate: number | undefined, targetSeconds = 20 * 60): number {
  if (estimate === undefined) return 4;
  const bySize = Math.min(16, Math.ceil(estimate / 25_000));
  const byTarget = Math.ceil(estimate / (targetSeconds * SEGMENT_ITEMS_PER_SECOND));
  return Math.min(MAX_SEGMENTS, Math.max(1, bySize, byTarget));
}

/** The retry policy of `options`, defaults filled in. */
export function retryPolicyOf(options: RebuildOptions): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...options.retry };
}
