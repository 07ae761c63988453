/**
 * The environment variables a config's sources read their credentials from (`auth.env` of an
 * HTTP source, `connection.env` of a Postgres source or of `capture.postgres`). On AWS the user
 * passes them with the CDK's `environment` props; locally the runtime passes them on from its own
 * environment to the jobs it starts, so `npm start` rebuilds what it relays.
 */
import type { FreshindexConfig } from '../../core/config/index.ts';

/** The names of the variables the config's sources and capture read. */
export function sourceVariables(config: FreshindexConfig): string[] {
  const names = new Set<string>();
  for (const type of config.types) {
    const source = type.source as { auth?: { env?: string }; connection?: { env?: string } };
    if (source.auth?.env) names.add(source.auth.env);
    if (source.connection?.env) names.add(source.connection.env);
  }
  const capture = config.capture?.postgres?.connection.env;
  if (capture) names.add(capture);
  return [...names].sort();
}

/** Those of `env` that the config's sources read (the unset ones left out). */
export function sourceEnvironment(config: FreshindexConfig, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(sourceVariables(config).flatMap((name) => (env[name] === undefined ? [] : [[name, env[name] as string]])));
}
