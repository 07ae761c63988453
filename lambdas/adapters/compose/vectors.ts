/**
 * The wiring of the vector journal (docs/vectors.md, "Freshness"): every guarded write of a type
 * with an `embed` step goes through `journalingStore`, so the processes answering similar() see
 * it. The store's own catch-up log storage holds the journal.
 */
import type { FreshindexConfig } from '../../core/config/index.ts';
import type { Clock } from '../../core/ports.ts';
import { journalingStore } from '../../core/vectors/index.ts';
import type { StoreParts } from './stores.ts';

/** Whether a type's records carry vectors: it has an `embed` step. */
export function embedsTypes(config: FreshindexConfig): (type: string) => boolean {
  const embedding = new Set(config.types.filter((type) => (type as { embed?: unknown }).embed !== undefined).map((type) => type.name));
  return (type) => embedding.has(type);
}

/** `parts` with its record store journaling the writes of types with vectors. */
export function withVectorJournal(parts: StoreParts, config: FreshindexConfig, clock: Clock): StoreParts {
  const hasVectors = embedsTypes(config);
  if (!config.types.some((type) => hasVectors(type.name))) return parts;
  return { ...parts, records: journalingStore(parts.records, { journal: parts.catchUp, hasVectors, clock }) };
}
