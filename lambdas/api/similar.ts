/** Similar items of one record, as the ops API answers them (docs/ops-api.md, docs/vectors.md). */
import { FreshindexError } from '../core/errors.ts';
import { NoVectorsError, type SimilarItem } from '../core/vectors/index.ts';
import type { OpsDeps } from './ports.ts';
import { resolveType } from './status.ts';

/** The answer of `GET /v1/types/{type}/records/{id}/similar`. */
export interface SimilarAnswer {
  type: string;
  id: string;
  k: number;
  /** The generation answered from (the live one); null when nothing came back. */
  generation: number | null;
  items: Array<Omit<SimilarItem, 'generation'>>;
}

/**
 * The `k` records nearest to `type/id` in the live generation. Unknown type or id: 404; a type
 * without an `embed` step or a record without a vector: 400; no vector index wired: 501.
 */
export async function similarItems(deps: OpsDeps, type: string, id: string, k: number): Promise<SimilarAnswer> {
  const resolved = resolveType(deps, type);
  if ((resolved.config as { embed?: unknown }).embed === undefined) throw new NoVectorsError(`type "${type}" has no embed step: its records carry no vectors`, { type });
  if (!deps.similar) throw new NotWiredError();
  const found = await deps.similar.similar(type, id, { k });
  return { type, id, k, generation: found[0]?.generation ?? null, items: found.map(({ generation: _generation, ...item }) => item) };
}

class NotWiredError extends FreshindexError {
  override readonly status = 501;
  constructor() {
    super('this ops API has no vector index wired');
  }
}
