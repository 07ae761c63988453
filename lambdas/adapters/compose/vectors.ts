/**
 * The wiring of the vector journal (docs/vectors.md, "Freshness"): every guarded write of a type
 * with an `embed` step goes through `journalingStore`, so the processes answering similar() see
 * it. The store's own catch-up log storage holds the journal.
 */
import type { FreshindexConfig } from '../../core/config/index.ts';
import { journalingStore, SimilarItems, type IndexTuning } from '../../core/vectors/index.ts';
import { usearchEngine } from '../vectors/usearch.ts';
import type { CatchUpLog, Clock as RuntimeClock, PointerStore, QuarantineStore, RecordStore } from '../../core/ports.ts';
import type { StoreParts } from './stores.ts';

/** Whether a type's records carry vectors: it has an `embed` step. */
export function embedsTypes(config: FreshindexConfig): (type: string) => boolean {
  const embedding = new Set(config.types.filter((type) => (type as { embed?: unknown }).embed !== undefined).map((type) => type.name));
  return (type) => embedding.has(type);
}

/** `parts` with its record store journaling the writes of types with vectors. */
export function withVectorJournal(parts: StoreParts, config: FreshindexConfig, clock: RuntimeClock): StoreParts {
  const hasVectors = embedsTypes(config);
  if (!config.types.some((type) => hasVectors(type.name))) return parts;
  return { ...parts, records: journalingStore(parts.records, { journal: parts.catchUp, hasVectors, clock }) };
}

/**
 * similar() over a runtime's ports (the ops API's): the pointer and the quarantine read each
 * call (the ops API is not a hot path), records with vectors from the store, usearch as the engine.
 */
export function similarItemsOf(
  runtime: { records: RecordStore; catchUp: CatchUpLog; pointerStore: Pick<PointerStore, 'readPointer'>; quarantine: Pick<QuarantineStore, 'list'>; clock: RuntimeClock },
  tuning: Partial<IndexTuning> = {},
): SimilarItems {
  return new SimilarItems(
    { records: runtime.records, journal: runtime.catchUp, engine: usearchEngine() },
    async (type) => {
      const [pointer, entries] = await Promise.all([runtime.pointerStore.readPointer(type), runtime.quarantine.list(type)]);
      return [pointer, new Set(entries.map((entry) => entry.id))];
    },
    runtime.clock,
    tuning,
  );
}
