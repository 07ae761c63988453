import { z } from 'zod';

const optionalUrl = z.url().optional();

/**
 * The environment of the job container (AWS Batch sets it from the job definition; local runs and
 * tests pass their own). Parsed once, at the entry point.
 */
export const jobEnvSchema = z.object({
  FRESHINDEX_INDEX_TABLE: z.string({ error: 'required: the name of the index table' }).min(3, 'must name the index table'),
  FRESHINDEX_CONTROL_TABLE: z.string({ error: 'required: the name of the control table' }).min(3, 'must name the control table'),
  FRESHINDEX_NOTIFICATIONS_TOPIC_ARN: z.string().min(1).optional(),
  FRESHINDEX_ALERTS_TOPIC_ARN: z.string().min(1).optional(),
  /** The Redis/Valkey URL when the config's store is `redis`. */
  FRESHINDEX_REDIS_URL: z.string().min(1).optional(),
  /** Lease lifetime without a heartbeat: how soon the next run may take over from a crashed one. */
  FRESHINDEX_REBUILD_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Added to the pointer-cache wait, for clock-rate differences between machines. */
  FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** Deletes per second when removing retired generations; unset: derived from the index table's capacity mode (docs/rebuild.md). */
  FRESHINDEX_CLEANUP_DELETES_PER_SECOND: z.coerce.number().int().min(1).max(100_000).optional(),
  /** Parallel scan segments of every build this job runs, over the config's `rebuild.concurrency` and its default. */
  FRESHINDEX_REBUILD_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  /** Warm write throughput to raise an on-demand index table to before each load; unset: the load's planned rate for sources of a million documents or more. */
  FRESHINDEX_REBUILD_WARM_WRITES_PER_SECOND: z.coerce.number().int().min(1).max(10_000_000).optional(),
  /** Bulk write calls in flight over all segments; unset: two per segment. */
  FRESHINDEX_REBUILD_WRITES_IN_FLIGHT: z.coerce.number().int().min(1).max(512).optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL: optionalUrl,
  AWS_ENDPOINT_URL_DYNAMODB: optionalUrl,
  AWS_ENDPOINT_URL_SNS: optionalUrl,
  /** Processes a build's load is split over (an array job's children); unset: one per 16 segments. */
  FRESHINDEX_REBUILD_CHILDREN: z.coerce.number().int().min(1).max(64).optional(),
  /** The child load (`load-segments`): the build, its generation and how the load is split (set by the parent). */
  FRESHINDEX_LOAD_BUILD_ID: z.string().min(1).optional(),
  FRESHINDEX_LOAD_GENERATION: z.coerce.number().int().min(1).optional(),
  FRESHINDEX_LOAD_SEGMENTS: z.coerce.number().int().min(1).max(64).optional(),
  FRESHINDEX_LOAD_CHILDREN: z.coerce.number().int().min(1).max(64).optional(),
  FRESHINDEX_LOAD_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  FRESHINDEX_LOAD_CHUNK_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  FRESHINDEX_LOAD_WRITES_IN_FLIGHT: z.coerce.number().int().min(1).max(512).default(8),
  /** Set by AWS Batch in an array job's children (and locally by the parent): which child this is. */
  AWS_BATCH_JOB_ARRAY_INDEX: z.coerce.number().int().min(0).max(9_999).optional(),
  /** Set by AWS Batch: names the lease holder. */
  AWS_BATCH_JOB_ID: z.string().min(1).optional(),
});

export type JobEnv = z.output<typeof jobEnvSchema>;

/** Parses the environment, naming every variable that is missing or wrong. */
export function parseJobEnv(env: Readonly<Record<string, string | undefined>>): { ok: true; env: JobEnv } | { ok: false; problems: string[] } {
  const result = jobEnvSchema.safeParse(env);
  if (result.success) return { ok: true, env: result.data };
  return { ok: false, problems: result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) };
}
