/**
 * The `capture` section of the config: change data capture from a Postgres database
 * (docs/cdc.md). The relay reads the trigger-fed change table and publishes change events.
 */
import { z } from 'zod';
import { typeNameSchema } from './names.ts';
import { postgresConnectionSchema } from './postgres.ts';

/** PublishBatch takes 10 entries a call; a batch of the relay is at most 50 calls. */
export const MAX_CAPTURE_BATCH = 500;

const TABLE_MESSAGE = "must be 'table' or 'schema.table'";

/** One captured table and the change events its rows become. */
export const capturedTableSchema = z
  .object({
    /** `'schema.table'` or `'table'` (schema `public`), as written (case-sensitive). */
    table: z.string().regex(/^[^.\s"]+(\.[^.\s"]+)?$/, { message: TABLE_MESSAGE }),
    /** The change event `type` of its rows: a configured type's name, or an event some type listens to. */
    event: typeNameSchema,
    /** The column holding the resource id. */
    idColumn: z.string().min(1).max(63).default('id'),
  })
  .strict();

/** Capture from one Postgres database. */
export const postgresCaptureSchema = z
  .object({
    connection: postgresConnectionSchema,
    tables: z.array(capturedTableSchema).min(1, { message: 'name at least one table to capture' }),
    /** Changes read and published per round (10 per PublishBatch call). */
    batchSize: z.number().int().min(1).max(MAX_CAPTURE_BATCH, { message: `must be at most ${MAX_CAPTURE_BATCH}` }).default(100),
    /** How long the relay waits after a round that found nothing new (milliseconds). */
    pollIntervalMs: z.number().int().min(50).max(60_000).default(1_000),
    /** Published changes older than this are deleted from the change table (hours). */
    retentionHours: z.number().int().min(1).max(24 * 90).default(24),
  })
  .strict()
  .superRefine((capture, ctx) => {
    const seen = new Set<string>();
    capture.tables.forEach((entry, index) => {
      const key = entry.table.includes('.') ? entry.table : `public.${entry.table}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['tables', index, 'table'], message: `table "${key}" is named twice` });
      seen.add(key);
    });
  });

/** Change data capture sources. */
export const captureSchema = z.object({ postgres: postgresCaptureSchema.optional() }).strict();

export type CaptureConfig = z.output<typeof captureSchema>;
export type PostgresCaptureConfig = z.output<typeof postgresCaptureSchema>;
export type CapturedTableConfig = z.output<typeof capturedTableSchema>;
