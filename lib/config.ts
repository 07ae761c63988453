import { loadConfigFile, type LoadedConfigFile } from '../lambdas/adapters/config-file/index.ts';

export { DEFAULT_CONFIG_FILE, resolveConfigFile } from '../lambdas/adapters/config-file/index.ts';

/**
 * The user's config file and what it exports, validated. Constructs take this rather than a
 * bare config so that the Lambda functions and the Batch image import the very same file.
 */
export type FreshindexConfigFile = LoadedConfigFile;

/**
 * Imports the config module at synth time (TypeScript through tsx, whatever runs the CDK app) and
 * validates its `config` export, naming every problem at once (`ConfigError`).
 *
 * @example
 * const config = await loadFreshindexConfig(resolveConfigFile(app.node.tryGetContext('config')));
 * const data = new FreshindexDataStack(app, 'FreshindexData', { config });
 */
export async function loadFreshindexConfig(path: string): Promise<FreshindexConfigFile> {
  return loadConfigFile(path);
}
