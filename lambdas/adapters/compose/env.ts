/**
 * The environment of every entry point (apply, verify, the ops API, the jobs), parsed the same
 * way: one zod schema per entry point over shared variables, every problem named at once, and the
 * process environment always handed to the sources (an HTTP source's `auth.env`).
 */
import { z } from 'zod';
import { validateConfig, type FreshindexConfig, type FreshindexConfigInput } from '../../core/config/index.ts';
import { ownApplyQueueName } from '../../core/dead-letters.ts';
import { TYPE_NAME } from '../../core/config/names.ts';
import { ConfigError } from '../../core/errors.ts';
import { localWebhooksSchema, secretDestinationsSchema } from '../webhooks/credentials.ts';
import { createRuntime, type Runtime, type RuntimeOverrides, type RuntimeSettings } from './index.ts';

/** An environment as Node hands it over (`process.env`). */
export type Environment = Readonly<Record<string, string | undefined>>;

const optionalUrl = z.url().optional();
const optionalName = z.string().min(1).optional();

/** The variables every entry point reads. */
const shared = {
  /** The DynamoDB tables: required when the config selects the DynamoDB store (see `storeVariables`). */
  FRESHINDEX_INDEX_TABLE: z.string().min(3, 'must name the index table').optional(),
  FRESHINDEX_CONTROL_TABLE: z.string().min(3, 'must name the control table').optional(),
  /** Required when the config selects the Redis store: everything lives in Valkey then. */
  FRESHINDEX_REDIS_URL: optionalUrl,
  /** The Secrets Manager secret holding the Redis AUTH token (docs/redis.md). */
  FRESHINDEX_REDIS_AUTH_SECRET_ARN: optionalName,
  /** Alerts go nowhere when unset (local runs without alerting). */
  FRESHINDEX_ALERTS_TOPIC_ARN: optionalName,
  FRESHINDEX_NOTIFICATIONS_TOPIC_ARN: optionalName,
  AWS_REGION: optionalName,
  AWS_ENDPOINT_URL: optionalUrl,
  AWS_ENDPOINT_URL_DYNAMODB: optionalUrl,
  AWS_ENDPOINT_URL_SQS: optionalUrl,
  AWS_ENDPOINT_URL_SNS: optionalUrl,
  AWS_ENDPOINT_URL_BATCH: optionalUrl,
  AWS_ENDPOINT_URL_CLOUDWATCH: optionalUrl,
};

/** A variable holding JSON that `schema` validates. */
/** The own apply queues' URLs the API's `FRESHINDEX_DEAD_LETTERS_OWN_APPLY` names, by type. */
const ownApplyQueuesSchema = z.record(
  z.string().regex(TYPE_NAME),
  z.strictObject({ queueUrl: z.string().min(1), dlqUrl: z.string().min(1) }),
);

function jsonVariable<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        context.addIssue({ code: 'custom', message: `is not JSON: ${error instanceof Error ? error.message : String(error)}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** The queue's maxReceiveCount: the last delivery dead-letters a failing message itself, with its reason. */
const maxReceiveCount = z.coerce.number().int().min(1).default(5);

/** Each entry point's variables. */
export const entryEnv = {
  apply: z.object({
    ...shared,
    FRESHINDEX_APPLY_DLQ_URL: z.string().min(1),
    FRESHINDEX_MAX_RECEIVE_COUNT: maxReceiveCount,
    /** The types this apply function serves, comma-separated (its queue's); unset: every type. */
    FRESHINDEX_APPLY_TYPES: z.string().optional(),
    /** The verify queue, where the checks of every change and derived change are scheduled; unset (a bench, a test of the apply path alone): none is. */
    FRESHINDEX_VERIFY_QUEUE_URL: optionalName,
  }),
  verify: z.object({
    ...shared,
    FRESHINDEX_VERIFY_QUEUE_URL: z.string().min(1),
    FRESHINDEX_VERIFY_DLQ_URL: z.string().min(1),
    FRESHINDEX_MAX_RECEIVE_COUNT: maxReceiveCount,
  }),
  api: z.object({
    ...shared,
    /** Where rebuilds are submitted. Without both, POST .../rebuild answers 501 (unless a launcher is injected). */
    FRESHINDEX_JOB_QUEUE: optionalName,
    FRESHINDEX_JOB_DEFINITION: optionalName,
    /** How long a rebuild request holds the type when its job never starts (then a new request is accepted). */
    FRESHINDEX_REBUILD_RESERVATION_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
    /** The consumer queues and their dead-letter queues: without a pair, the dead-letter routes of that queue answer 501. */
    FRESHINDEX_DEAD_LETTERS_APPLY_QUEUE_URL: optionalName,
    FRESHINDEX_DEAD_LETTERS_APPLY_DLQ_URL: optionalName,
    FRESHINDEX_DEAD_LETTERS_VERIFY_QUEUE_URL: optionalName,
    FRESHINDEX_DEAD_LETTERS_VERIFY_DLQ_URL: optionalName,
    /** The own apply queues (`delivery.queue: 'own'`) and their dead-letter queues, by type: `{"<type>": {"queueUrl": ..., "dlqUrl": ...}}`. */
    FRESHINDEX_DEAD_LETTERS_OWN_APPLY: jsonVariable(ownApplyQueuesSchema).optional(),
  }),
  monitor: z.object({
    ...shared,
    /** The job queue whose jobs the monitor watches (RUNNABLE for too long, FAILED). */
    FRESHINDEX_JOB_QUEUE: optionalName,
    /** Minutes in RUNNABLE after which a job counts as stuck (alert, MonitorJobsStuck). */
    FRESHINDEX_MONITOR_STUCK_MINUTES: z.coerce.number().int().min(1).max(10_080).default(30),
    /** Minutes after a type's scheduled rebuild time before MonitorRebuildOverdue says 1. */
    FRESHINDEX_MONITOR_REBUILD_GRACE_MINUTES: z.coerce.number().int().min(0).max(10_080).default(120),
    /** The time zone the types' cron schedules are read in (the schedules' own). */
    FRESHINDEX_SCHEDULE_TIMEZONE: z.string().min(1).default('Etc/UTC'),
  }),
  job: z.object({
    ...shared,
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
    AWS_BATCH_JOB_ID: optionalName,
  }),
};

/** The alert-delivery function's variables (docs/alerts.md): no store, its destinations and its own dead-letter queue. */
export const alertsEnv = z.object({
  AWS_REGION: optionalName,
  AWS_ENDPOINT_URL: optionalUrl,
  AWS_ENDPOINT_URL_SQS: optionalUrl,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: optionalUrl,
  /** Set by the CDK: `[{ name, service, secretId }]`, each secret holding `{ url, secret? }`. */
  FRESHINDEX_ALERT_DESTINATIONS: jsonVariable(secretDestinationsSchema).default([]),
  /** Local runs: `[{ name, service, url, secret? }]`, the webhooks themselves. */
  FRESHINDEX_ALERT_WEBHOOKS: jsonVariable(localWebhooksSchema).default([]),
  FRESHINDEX_ALERT_DLQ_URL: z.string().min(1),
  /** The ops API URL, for the `--endpoint` of the CLI commands in alerts. */
  FRESHINDEX_API_URL: optionalUrl,
  /** Comma-separated log groups of the apply and verify functions, for the Logs Insights link. */
  FRESHINDEX_LOG_GROUPS: z
    .string()
    .optional()
    .transform((text) => (text ?? '').split(',').map((group) => group.trim()).filter(Boolean)),
});

/** The parsed environment of the alert-delivery function. */
export type AlertsEnv = z.output<typeof alertsEnv>;

/** An entry point that reads its environment here. */
export type Entry = keyof typeof entryEnv;
/** The parsed environment of an entry point. */
export type EntryEnv<E extends Entry> = z.output<(typeof entryEnv)[E]>;
/** The job container's environment. */
export type JobEnv = EntryEnv<'job'>;

/**
 * Parses an entry point's environment once, throwing a `ConfigError` that names every missing or
 * malformed variable.
 */
export function parseEnv<E extends Entry>(entry: E, env: Environment, store?: StoreType): EntryEnv<E> {
  const result = entryEnv[entry].safeParse(env);
  const problems = result.success ? [] : problemsOf(result.error);
  if (store) {
    for (const [name, what] of Object.entries(storeVariables[store])) {
      if (!env[name]) problems.push(`environment variable ${name}: required with store.type "${store}": ${what}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data as EntryEnv<E>;
}

/** Parses the alert-delivery function's environment, throwing a `ConfigError` that names every problem. */
export function parseAlertsEnv(env: Environment): AlertsEnv {
  const result = alertsEnv.safeParse(env);
  if (!result.success) throw new ConfigError(problemsOf(result.error));
  const names = [...result.data.FRESHINDEX_ALERT_DESTINATIONS, ...result.data.FRESHINDEX_ALERT_WEBHOOKS].map((destination) => destination.name);
  const repeated = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
  if (repeated.length > 0) throw new ConfigError(repeated.map((name) => `alert destination "${name}" is named more than once`));
  return result.data;
}

/** The problems of a failed parse, one per variable. */
export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `environment variable ${issue.path.join('.')}: ${issue.message}`);
}

type StoreType = FreshindexConfig['store']['type'];

/** The variables each store needs: a DynamoDB deployment names its tables, a Redis one its Valkey. */
const storeVariables: Record<StoreType, Record<string, string>> = {
  dynamodb: { FRESHINDEX_INDEX_TABLE: 'the name of the index table', FRESHINDEX_CONTROL_TABLE: 'the name of the control table' },
  redis: { FRESHINDEX_REDIS_URL: 'the redis:// or rediss:// URL of the Valkey / Redis primary' },
};

/** The runtime settings an entry point's parsed environment names. */
export function settingsOf<E extends Entry>(entry: E, env: EntryEnv<E>): RuntimeSettings {
  const vars: Record<string, unknown> = env;
  const text = (name: string): string | undefined => (typeof vars[name] === 'string' ? vars[name] : undefined);
  const endpoint = (service: string) => text(`AWS_ENDPOINT_URL_${service}`) ?? text('AWS_ENDPOINT_URL');
  return {
    indexTable: env.FRESHINDEX_INDEX_TABLE ?? '',
    controlTable: env.FRESHINDEX_CONTROL_TABLE ?? '',
    redisUrl: text('FRESHINDEX_REDIS_URL'),
    redisAuthSecretArn: text('FRESHINDEX_REDIS_AUTH_SECRET_ARN'),
    alertsTopicArn: text('FRESHINDEX_ALERTS_TOPIC_ARN'),
    notificationsTopicArn: text('FRESHINDEX_NOTIFICATIONS_TOPIC_ARN'),
    region: text('AWS_REGION'),
    endpoints: { dynamodb: endpoint('DYNAMODB'), sqs: endpoint('SQS'), sns: endpoint('SNS'), batch: endpoint('BATCH'), cloudwatch: endpoint('CLOUDWATCH') },
    // The ops API knows the verify queue as a dead-letter queue's consumer; it schedules the check of a released resource there.
    verifyQueueUrl: text('FRESHINDEX_VERIFY_QUEUE_URL') ?? text('FRESHINDEX_DEAD_LETTERS_VERIFY_QUEUE_URL'),
    deadLetterQueueUrl: text(deadLetterVariable[entry] ?? ''),
    deadLetterQueues: deadLetterQueuesOf(text, vars['FRESHINDEX_DEAD_LETTERS_OWN_APPLY'] as z.output<typeof ownApplyQueuesSchema> | undefined),
    jobQueue: text('FRESHINDEX_JOB_QUEUE'),
    jobDefinition: text('FRESHINDEX_JOB_DEFINITION'),
  };
}

/** The consumer queues whose variables name both the queue and its dead-letter queue, the own apply queues as `apply:<type>`. */
function deadLetterQueuesOf(text: (name: string) => string | undefined, ownApply: z.output<typeof ownApplyQueuesSchema> | undefined): RuntimeSettings['deadLetterQueues'] {
  const pair = (queue: 'APPLY' | 'VERIFY') => {
    const queueUrl = text(`FRESHINDEX_DEAD_LETTERS_${queue}_QUEUE_URL`);
    const deadLetterQueueUrl = text(`FRESHINDEX_DEAD_LETTERS_${queue}_DLQ_URL`);
    return queueUrl && deadLetterQueueUrl ? { queueUrl, deadLetterQueueUrl } : undefined;
  };
  const [apply, verify] = [pair('APPLY'), pair('VERIFY')];
  const own = Object.entries(ownApply ?? {}).map(([type, urls]) => [ownApplyQueueName(type), { queueUrl: urls.queueUrl, deadLetterQueueUrl: urls.dlqUrl }] as const);
  return { ...(apply ? { apply } : {}), ...(verify ? { verify } : {}), ...Object.fromEntries(own) };
}

/** The variable naming each entry point's own dead-letter queue. */
const deadLetterVariable: Partial<Record<Entry, string>> = { apply: 'FRESHINDEX_APPLY_DLQ_URL', verify: 'FRESHINDEX_VERIFY_DLQ_URL' };

/**
 * An entry point's parsed environment and its runtime: the settings its variables name, and the
 * process environment handed to the sources (adapters never read it themselves).
 *
 * @example
 * const { env, runtime } = runtimeFromEnv('apply', config, process.env);
 */
export function runtimeFromEnv<E extends Entry>(
  entry: E,
  configInput: FreshindexConfigInput | FreshindexConfig,
  processEnv: Environment,
  overrides: RuntimeOverrides = {},
): { env: EntryEnv<E>; runtime: Runtime } {
  const config = validateConfig(configInput);
  const env = parseEnv(entry, processEnv, config.store.type);
  const runtime = createRuntime(config, settingsOf(entry, env), { ...overrides, sourceDeps: { env: { ...processEnv }, ...overrides.sourceDeps } });
  return { env, runtime };
}
