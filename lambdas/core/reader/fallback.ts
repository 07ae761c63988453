import type { FreshindexConfig } from '../config/index.ts';
import type { TypeConfig } from '../config/schema.ts';
import { TransformError, UnknownTypeError } from '../errors.ts';
import type { Source } from '../ports.ts';
import { toUpsert } from '../transform.ts';
import type { ReaderFallback } from './ports.ts';

/**
 * A fallback reading each type's source and transforming its documents with the type's own
 * `transform`, so a resource read this way looks exactly as the index would hold it if it were
 * right. A document the transform rejects, or that the source does not have, reads as missing.
 * Source failures propagate (the reader then serves the index's record). Each type's source is
 * made on first use by `sourceOf`.
 */
export function transformingFallback(config: FreshindexConfig, sourceOf: (type: TypeConfig) => Source): ReaderFallback {
  const sources = new Map<string, Source>();
  return async (typeName, ids) => {
    const type = config.types.find((candidate) => candidate.name === typeName);
    if (!type) throw new UnknownTypeError(typeName);
    let source = sources.get(typeName);
    if (!source) {
      source = sourceOf(type);
      sources.set(typeName, source);
    }
    const records = new Map<string, unknown>();
    for (const [id, doc] of await source.getMany(ids)) {
      try {
        records.set(id, toUpsert(type, id, doc).record);
      } catch (error) {
        if (!(error instanceof TransformError)) throw error;
      }
    }
    return records;
  };
}
