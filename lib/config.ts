import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateConfig, type FreshindexConfig } from '../lambdas/core/config/index.ts';

/** The default name of the user's config file, at the project root. */
export const DEFAULT_CONFIG_FILE = 'freshindex.config.ts';

/**
 * The user's config file and what it exports, validated. Constructs take this rather than a
 * bare config so that the Lambda functions and the Batch image import the very same file.
 */
export interface FreshindexConfigFile {
  /** Absolute path of the config module (it exports `config`). */
  readonly path: string;
  /** The validated config, defaults filled in. */
  readonly config: FreshindexConfig;
}

/**
 * Where the config file is: `explicit` (cdk context `config`) wins over the `FRESHINDEX_CONFIG`
 * environment variable, which wins over `freshindex.config.ts`; relative paths resolve against `cwd`.
 */
export function resolveConfigFile(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const chosen = explicit || env['FRESHINDEX_CONFIG'] || DEFAULT_CONFIG_FILE;
  return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
}

/**
 * Imports the config module at synth time and validates its `config` export, naming every
 * problem at once (`ConfigError`).
 *
 * @example
 * const config = await loadFreshindexConfig(resolveConfigFile(app.node.tryGetContext('config')));
 * const data = new FreshindexDataStack(app, 'FreshindexData', { config });
 */
export async function loadFreshindexConfig(path: string): Promise<FreshindexConfigFile> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new Error(`freshindex config not found: ${absolute} (set cdk context "config" or FRESHINDEX_CONFIG)`);
  }
  const module = (await import(pathToFileURL(absolute).href)) as { config?: unknown };
  if (module.config === undefined) {
    throw new Error(`${absolute} must export "config" (export const config = defineConfig({ ... }))`);
  }
  return { path: absolute, config: validateConfig(module.config) };
}
