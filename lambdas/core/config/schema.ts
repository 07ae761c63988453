import { z } from 'zod';
import { typeNameSchema } from './names.ts';
import type { SourceDoc } from '../ports.ts';
import type { VersionLike } from '../version.ts';
import { dynamodbCaptureSchema } from './dynamodb-capture.ts';
import { deliverySchema, eventsSchema, listensToSchema } from './fanout.ts';
import { captureSchema } from './capture.ts';
import { checkAcrossTypes, graphOfConfig } from './cross-checks.ts';

import { postgresSourceSchema } from './postgres.ts';

export { postgresConnectionSchema, type PostgresConnectionConfig } from './postgres.ts';
import { embedSchema } from './embed.ts';

const fn = <T>(what: string) =>
  z.custom<T>((value) => typeof value === 'function', { message: `must be a function (${what})` });

const positiveInt = z.number().int().positive();

/** The longest freshness target: a day (the seeds' slowest data, collaborative signals, refresh daily). */
export const MAX_FRESHNESS_TARGET_SECONDS = 86_400;

const FRESHNESS_TARGET_MESSAGE = `must be a whole number of seconds from 1 to ${MAX_FRESHNESS_TARGET_SECONDS} (a day)`;
const freshnessTargetSchema = z
  .number({ message: FRESHNESS_TARGET_MESSAGE })
  .int({ message: FRESHNESS_TARGET_MESSAGE })
  .min(1, { message: FRESHNESS_TARGET_MESSAGE })
  .max(MAX_FRESHNESS_TARGET_SECONDS, { message: FRESHNESS_TARGET_MESSAGE });

/** Authentication of an HTTP source: a header whose value comes from a secret or the environment. */
export const httpAuthSchema = z
  .object({
    header: z.string().min(1).default('Authorization'),
    /** Prepended to the secret's value, e.g. `"Bearer "`. */
    prefix: z.string().default(''),
    /** AWS Secrets Manager secret (ARN or name) holding the value. */
    secretId: z.string().min(1).optional(),
    /** Environment variable holding the value (local runs, CI). */
    env: z.string().min(1).optional(),
  })
  .strict()
  .refine((auth) => (auth.secretId === undefined) !== (auth.env === undefined), {
    message: 'set exactly one of secretId or env',
  });

/** A CMS's REST API. URL templates use `{id}`, `{ids}`, `{cursor}`, `{segment}`, `{segments}`, `{limit}`. */
export const httpSourceSchema = z
  .object({
    type: z.literal('http'),
    /** One document: `https://cms.example.com/api/videos/{id}`; 404 means the resource is deleted. */
    itemUrl: z.string().includes('{id}', { message: 'must contain {id}' }),
    /** Many documents: `.../videos?ids={ids}` answering a JSON array (or `{ items: [...] }`). */
    batchUrl: z.string().includes('{ids}', { message: 'must contain {ids}' }).optional(),
    /** How many ids one batch call may carry. */
    batchSize: positiveInt.max(1000).default(50),
    /**
     * One page of a scan: `.../videos?cursor={cursor}&segment={segment}&segments={segments}&limit={limit}`,
     * answering `{ items: [...], next?: cursor, total?: number }`.
     */
    pageUrl: z.string().includes('{cursor}', { message: 'must contain {cursor}' }),
    /**
     * The CMS promises that a scan's cursors are stable under concurrent inserts and deletes
     * (keyset pagination such as `id > cursor`, or a server-side snapshot): every document that
     * exists throughout a scan is returned. When it cannot promise that (offset pagination), leave
     * it false: the rebuild then reconciles the new generation with the live one after the load.
     */
    stableCursors: z.boolean({ message: 'must be true or false' }).default(false),
    auth: httpAuthSchema.optional(),
    timeoutMs: positiveInt.max(120_000).default(5_000),
    /** Retries of a 429, 5xx or timeout, with exponential backoff and full jitter. */
    retries: z.number().int().min(0).max(10).default(3),
  })
  .strict();

/** A DynamoDB table holding the documents. */
export const dynamodbSourceSchema = z
  .object({
    type: z.literal('dynamodb'),
    tableName: z.string().min(3),
    /** The table's partition key attribute, holding the resource id. */
    keyAttribute: z.string().min(1).default('id'),
    /** The table's stream as change events (docs/cdc.md, "DynamoDB Streams"). */
    capture: dynamodbCaptureSchema.optional(),
  })
  .strict();

/** A JSON-lines file, one document per line (local use, fixtures). */
export const jsonlSourceSchema = z
  .object({
    type: z.literal('jsonl'),
    path: z.string().min(1),
  })
  .strict();

export const sourceSchema = z.discriminatedUnion('type', [httpSourceSchema, dynamodbSourceSchema, jsonlSourceSchema, postgresSourceSchema]);

/** The gate a rebuild must pass before its generation goes live. */
export const gateSchema = z
  .object({
    /** Largest allowed relative difference between the generation's count and the source's. */
    countTolerance: z.number().min(0).max(1).default(0.01),
    /** Largest allowed share of documents the build failed to transform. */
    maxErrorRate: z.number().min(0).max(1).default(0.001),
    /** How many random resources are compared with transform(source) before the flip. */
    sampleSize: z.number().int().min(0).max(10_000).default(100),
  })
  .strict();

const scheduleSchema = z
  .string()
  .regex(/^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/, {
    message: 'must be an EventBridge expression: cron(...) or rate(N unit)',
  });

export const typeSchema = z
  .object({
    /** The type's name: lower-case letters, digits, `-` and `_`. */
    name: typeNameSchema,
    source: sourceSchema,
    /** The resource id of a document. Default: `String(doc.id)`. */
    id: fn<(doc: SourceDoc) => string>('doc => id').optional(),
    /** The one function turning a source document into an index record (incremental path and rebuild). */
    transform: fn<(doc: SourceDoc) => unknown>('doc => record'),
    /** The document's version: a number or timestamp that only grows. */
    version: fn<(doc: SourceDoc) => VersionLike>('doc => version'),
    /** How long after a change the checker waits before comparing (seconds, at most the SQS maximum). */
    settleDelaySeconds: z.number().int().min(0).max(900).default(60),
    /**
     * How soon after a change it should be live in the index (seconds). The freshness-lag and
     * apply-queue-age alarms follow it (docs/operations.md).
     */
    freshnessTargetSeconds: freshnessTargetSchema.default(60),
    /** Differences in a row after which a resource is quarantined. */
    quarantineThreshold: z.number().int().min(1).max(100).default(3),
    /** Consecutive clean checks after which a quarantined resource is released. */
    releaseAfterCleanChecks: z.number().int().min(1).max(100).default(3),
    rebuild: z
      .object({
        /** EventBridge schedule of the nightly rebuild. */
        schedule: scheduleSchema.default('cron(0 3 * * ? *)'),
        /**
         * Parallel scan segments (each with two bulk writes in flight); default derived from the
         * source's size estimate and `targetMinutes` (docs/rebuild.md).
         */
        concurrency: z.number().int().min(1).max(64).optional(),
        /** How long the load should take at most: sizes the default `concurrency`. */
        targetMinutes: z.number().int().min(1).max(1_440).default(20),
        gate: gateSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    /** Embeddings of the type's documents, stored on each record as `vector` (docs/embeddings.md). */
    embed: embedSchema.optional(),
    audit: z
      .object({
        schedule: scheduleSchema.default('rate(6 hours)'),
        /** At most this many differences are repaired per audit run. */
        maxRepairs: z.number().int().min(0).default(1_000),
        /** An audit finding more differences than this raises an alert. */
        alertThreshold: z.number().int().min(0).default(10),
      })
      .strict()
      .prefault({}),
    /** Event types of other types (or declared `events`) this type listens to, each mapped to this type's ids. */
    listensTo: listensToSchema.optional(),
    delivery: deliverySchema.prefault({}),
  })
  .strict();

export const storeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dynamodb') }).strict(),
  z.object({ type: z.literal('redis'), keyPrefix: z.string().default('fi:') }).strict(),
]);

export const configSchema = z
  .object({
    /** Where the index lives. Table names, endpoints and URLs come from the deployment, not from here. */
    store: storeSchema.prefault({ type: 'dynamodb' }),
    /** How long appliers and readers may cache a pointer (seconds): readers see a flip within it. */
    pointerCacheSeconds: z.number().int().min(1).max(300).default(10),
    /** How long a delete's tombstone is kept (seconds); a change older than that is assumed gone. */
    tombstoneTtlSeconds: z.number().int().min(3600).default(7 * 24 * 3600),
    types: z.array(typeSchema).min(1, { message: 'declare at least one resource type' }),
    /** Event types that are not types, heard by the types that list them in `listensTo`. */
    events: eventsSchema.default([]),
    /** Change data capture: a relay publishing a database's changes (docs/cdc.md). */
    capture: captureSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    checkAcrossTypes(graphOfConfig(config), (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  });

/** The config as written in `freshindex.config.ts` (defaults optional). */
export type FreshindexConfigInput = z.input<typeof configSchema>;
/** The validated config, defaults filled in. */
export type FreshindexConfig = z.output<typeof configSchema>;
export type TypeConfig = z.output<typeof typeSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type HttpSourceConfig = z.output<typeof httpSourceSchema>;
export type DynamodbSourceConfig = z.output<typeof dynamodbSourceSchema>;
export type JsonlSourceConfig = z.output<typeof jsonlSourceSchema>;
export type { PostgresSourceConfig } from './postgres.ts';
export type GateConfig = z.output<typeof gateSchema>;
export type StoreConfig = z.output<typeof storeSchema>;
