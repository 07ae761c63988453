import { z } from 'zod';
import type { FreshindexConfigInput } from '../core/config/index.ts';
import { ConfigError } from '../core/errors.ts';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../adapters/compose.ts';

/**
 * Parses the environment of an entry point once, failing fast with every missing or malformed
 * variable named.
 */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.output<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `environment variable ${issue.path.join('.')}: ${issue.message}`));
}

/** The variables naming the index tables, shared by every entry point. */
export const tableEnv = {
  FRESHINDEX_INDEX_TABLE: z.string().min(3),
  FRESHINDEX_CONTROL_TABLE: z.string().min(3),
  /** Only when the config selects the Redis store. */
  FRESHINDEX_REDIS_URL: z.string().url().optional(),
  /** The secret holding the Redis AUTH token (never the token itself). */
  FRESHINDEX_REDIS_AUTH_SECRET_ARN: z.string().min(1).optional(),
};

/** The runtime settings named by `tableEnv` variables. */
export function runtimeSettings(env: { FRESHINDEX_INDEX_TABLE: string; FRESHINDEX_CONTROL_TABLE: string; FRESHINDEX_REDIS_URL?: string | undefined; FRESHINDEX_REDIS_AUTH_SECRET_ARN?: string | undefined }) {
  return { indexTable: env.FRESHINDEX_INDEX_TABLE, controlTable: env.FRESHINDEX_CONTROL_TABLE, redisUrl: env.FRESHINDEX_REDIS_URL, redisAuthSecretArn: env.FRESHINDEX_REDIS_AUTH_SECRET_ARN };
}

/**
 * The runtime of an entry point: the tables (or Redis) its environment names, and the process
 * environment handed to the sources (an HTTP source's `auth.env`), since adapters never read it.
 */
export function runtimeFromEnv(
  configInput: FreshindexConfigInput,
  env: { FRESHINDEX_INDEX_TABLE: string; FRESHINDEX_CONTROL_TABLE: string; FRESHINDEX_REDIS_URL?: string | undefined; FRESHINDEX_REDIS_AUTH_SECRET_ARN?: string | undefined },
  processEnv: NodeJS.ProcessEnv,
  overrides: RuntimeOverrides,
): Runtime {
  return createRuntime(configInput, runtimeSettings(env), { ...overrides, sourceDeps: { env: processEnv, ...overrides.sourceDeps } });
}
