/**
 * The user's config file: where it is, which project holds it, and loading it at run time.
 *
 * The CLI, the local runtime, the local jobs and the CDK constructs all load `freshindex.config.ts`
 * through {@link loadConfigFile}: tsx's `tsImport` compiles it with esbuild, the same transform the
 * Lambda and job bundles use, and scoped to this one import (no loader is registered for the rest
 * of the process). It is imported only when a command needs it, never by `freshindex --help`.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, FreshindexError } from '../../core/errors.ts';
import { validateConfig, type FreshindexConfig } from '../../core/config/index.ts';

/** The default name of the user's config file, at the project root. */
export const DEFAULT_CONFIG_FILE = 'freshindex.config.ts';

/** The folder, in the user's project, that holds every file freshindex generates (git-ignored). */
export const GENERATED_DIR = '.freshindex';

/** Lock files that mark the root of an npm, yarn, pnpm or bun project. */
const LOCK_FILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb'];

/** The config file cannot be found, imported, or lies outside any project. */
export class ConfigFileError extends FreshindexError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'ConfigFileError';
  }
}

/** A loaded config file. */
export interface LoadedConfigFile {
  /** Absolute path of the config module. */
  readonly path: string;
  /** The validated config, defaults filled in, relative JSON-lines paths made absolute from the config's folder. */
  readonly config: FreshindexConfig;
}

/**
 * Where the config file is: `explicit` (a `--config` option or the cdk context `config`) wins over
 * `FRESHINDEX_CONFIG`, which wins over `freshindex.config.ts`; relative paths resolve against `cwd`.
 */
export function resolveConfigFile(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const chosen = explicit || env['FRESHINDEX_CONFIG'] || DEFAULT_CONFIG_FILE;
  return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
}

/**
 * The project a file belongs to: the nearest folder above it holding a `package.json`. Generated
 * files go to its `.freshindex/` folder, and its `node_modules` resolve the config's imports.
 *
 * @throws ConfigFileError when no folder above `file` holds a package.json
 */
export function projectRootOf(file: string): string {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new ConfigFileError(
    `${file} is not inside a project (no package.json in any folder above it): put the config in your project (freshindex init scaffolds one) and install freshindex there`,
    { context: { path: file } },
  );
}

/** The lock file of the project holding `dir` (a workspace's lock file may sit higher up), if any. */
export function findLockFile(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const found = LOCK_FILES.map((name) => join(current, name)).find((path) => existsSync(path));
    if (found) return found;
    if (dirname(current) === current) return undefined;
  }
}

/** Imports the module at `path` (TypeScript or JavaScript) and returns its `config` export, unvalidated. */
export async function importConfigModule(path: string): Promise<unknown> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new ConfigFileError(`freshindex config not found: ${absolute} (pass --config, set FRESHINDEX_CONFIG, or create freshindex.config.ts)`, { context: { path: absolute } });
  }
  let module: { config?: unknown };
  try {
    const { tsImport } = await import('tsx/esm/api');
    module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as { config?: unknown };
  } catch (error) {
    throw new ConfigFileError(`cannot load the config ${absolute}: ${describeError(error)}`, { cause: error, context: { path: absolute } });
  }
  if (module.config === undefined) {
    throw new ConfigFileError(`${absolute} exports no \`config\` (export const config = defineConfig({ ... }))`, { context: { path: absolute } });
  }
  return module.config;
}

/**
 * Loads and validates the config file, naming every problem at once (`ConfigError`).
 *
 * @example
 * const { config } = await loadConfigFile(resolveConfigFile(options.config));
 */
export async function loadConfigFile(path: string): Promise<LoadedConfigFile> {
  const absolute = resolve(path);
  const config = validateConfig(await importConfigModule(absolute));
  return { path: absolute, config: resolveSourcePaths(config, dirname(absolute)) };
}

/**
 * The config with each relative JSON-lines `path` made absolute from `baseDir` (the config file's
 * folder), so a source means the same file whatever the working directory of the runtime.
 */
export function resolveSourcePaths(config: FreshindexConfig, baseDir: string): FreshindexConfig {
  const types = config.types.map((type) =>
    type.source.type === 'jsonl' && !isAbsolute(type.source.path) ? { ...type, source: { ...type.source, path: resolve(baseDir, type.source.path) } } : type,
  );
  return { ...config, types };
}
