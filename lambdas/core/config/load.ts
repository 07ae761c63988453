import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { SourceDoc } from '../ports.ts';
import { checkAcrossTypes, graphOfInput } from './cross-checks.ts';
import { configSchema, type FreshindexConfig, type FreshindexConfigInput, type TypeConfig } from './schema.ts';

/**
 * Declares a freshindex config with full typing. Validation happens in `validateConfig`.
 *
 * @example
 * export const config = defineConfig({
 *   types: [{
 *     name: 'video',
 *     source: { type: 'http', itemUrl: 'https://cms/api/videos/{id}', pageUrl: 'https://cms/api/videos?cursor={cursor}' },
 *     transform: (doc) => ({ title: doc.title, tags: doc.tags ?? [] }),
 *     version: (doc) => doc.updatedAt as string,
 *   }],
 * });
 */
export function defineConfig(config: FreshindexConfigInput): FreshindexConfigInput {
  return config;
}

/** Validates a config, naming every problem at once (type name and field). Throws `ConfigError`. */
export function validateConfig(input: unknown): FreshindexConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(input, issue));
  // A failed field stops the config's own refinements: check across types on the raw input too.
  checkAcrossTypes(graphOfInput(input), (path, message) => problems.push(describeIssue(input, { path, message })));
  throw new ConfigError([...new Set(problems)]);
}

function describeIssue(input: unknown, issue: Pick<z.core.$ZodIssue, 'path' | 'message'>): string {
  const path = issue.path.map((part, index) => {
    if (typeof part === 'number' && issue.path[index - 1] === 'types') {
      const name = typeName(input, part);
      return name ? `[${part}](${name})` : `[${part}]`;
    }
    return typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  });
  const where = path.join('').replace(/^\./, '') || '(root)';
  return `${where}: ${issue.message}`;
}

function typeName(input: unknown, index: number): string | undefined {
  const types = (input as { types?: unknown } | null)?.types;
  if (!Array.isArray(types)) return undefined;
  const name = (types[index] as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** The id of a document under a type's config. */
export function documentId(type: TypeConfig, doc: SourceDoc): string {
  const id = type.id ? type.id(doc) : doc['id'];
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
    throw new TypeError(`document has no usable id (got ${JSON.stringify(id)})`);
  }
  return String(id);
}

/** Finds a type by name. */
export function findType(config: FreshindexConfig, name: string): TypeConfig | undefined {
  return config.types.find((type) => type.name === name);
}
