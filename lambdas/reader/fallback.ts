/**
 * The usual fallback of a reader: the source of truth, through the type's own transform, so a
 * quarantined resource reads exactly as the index would hold it if it were right.
 */
import { createSource, type SourceDeps } from '../adapters/sources/index.ts';
import { validateConfig, type FreshindexConfig, type FreshindexConfigInput } from '../core/config/index.ts';
import { TransformError, UnknownTypeError } from '../core/errors.ts';
import type { Source } from '../core/ports.ts';
import { toUpsert } from '../core/transform.ts';
import type { ReaderFallback } from './reader.ts';

/**
 * A fallback reading quarantined resources from each type's source and transforming them with
 * the type's `transform`. A document the transform rejects, or that the source does not have,
 * reads as missing. Source failures propagate (the reader then serves the index's record).
 *
 * @example
 * import { config } from './freshindex.config.ts';
 * const reader = createReader({ indexTable, controlTable, fallback: sourceFallback(config, { env: process.env }) });
 */
export function sourceFallback(configInput: FreshindexConfigInput | FreshindexConfig, deps: SourceDeps = {}): ReaderFallback {
  const config = validateConfig(configInput);
  const sources = new Map<string, Source>();
  return async (typeName, ids) => {
    const type = config.types.find((candidate) => candidate.name === typeName);
    if (!type) throw new UnknownTypeError(typeName);
    let source = sources.get(typeName);
    if (!source) {
      source = createSource(type, deps);
      sources.set(typeName, source);
    }
    const docs = await source.getMany(ids);
    const records = new Map<string, unknown>();
    for (const [id, doc] of docs) {
      try {
        records.set(id, toUpsert(type, id, doc).record);
      } catch (error) {
        if (!(error instanceof TransformError)) throw error;
      }
    }
    return records;
  };
}
