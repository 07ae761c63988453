/**
 * The vector engine on usearch (HNSW, a native module with prebuilt linux-x64 and linux-arm64
 * binaries): cosine metric, float32 vectors. See docs/vectors.md for the settings.
 */
import { createRequire } from 'node:module';
import type usearchModule from 'usearch';

type Usearch = typeof usearchModule;
type NativeIndex = InstanceType<Usearch['Index']>;

let loaded: Usearch | undefined;

/**
 * usearch, loaded on first use: its native binary loads when the module does, and only the
 * functions that answer similar() ship it (the CDK bundles it as a node module of the ops API's
 * function); the others never load it.
 */
function usearch(): Usearch {
  loaded ??= createRequire(import.meta.url)('usearch') as Usearch;
  return loaded;
}
import type { EngineMatch, VectorEngine, VectorEngineIndex } from '../../core/vectors/index.ts';

/** HNSW settings (usearch's names). */
export interface UsearchSettings {
  /** Links per node (M). @default 16 */
  connectivity?: number;
  /** Candidates kept while adding (efConstruction). @default 128 */
  expansionAdd?: number;
  /** Candidates kept while searching (ef). @default 64 */
  expansionSearch?: number;
}

/** A `VectorEngine` of usearch indexes. */
export function usearchEngine(settings: UsearchSettings = {}): VectorEngine {
  return (dimensions) => new UsearchIndex(dimensions, settings);
}

class UsearchIndex implements VectorEngineIndex {
  readonly #index: NativeIndex;

  constructor(dimensions: number, settings: UsearchSettings) {
    const { Index, MetricKind, ScalarKind } = usearch();
    this.#index = new Index({
      dimensions,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F32,
      connectivity: settings.connectivity ?? 16,
      expansion_add: settings.expansionAdd ?? 128,
      expansion_search: settings.expansionSearch ?? 64,
      multi: false,
    });
  }

  add(key: number, vector: Float32Array): void {
    this.#index.add(BigInt(key), vector);
  }

  addMany(keys: readonly number[], vectors: readonly Float32Array[]): void {
    if (keys.length === 0) return;
    const dimensions = this.#index.dimensions();
    const matrix = new Float32Array(keys.length * dimensions);
    vectors.forEach((vector, row) => matrix.set(vector, row * dimensions));
    this.#index.add(BigUint64Array.from(keys, (key) => BigInt(key)), matrix, 0);
  }

  remove(key: number): void {
    this.#index.remove(BigInt(key));
  }

  search(vector: Float32Array, k: number): EngineMatch[] {
    if (k <= 0 || this.#index.size() === 0) return [];
    const { keys, distances } = this.#index.search(vector, k, 1);
    const matches: EngineMatch[] = [];
    for (let position = 0; position < keys.length; position++) matches.push({ key: Number(keys[position]), distance: distances[position] as number });
    return matches;
  }

  size(): number {
    return this.#index.size();
  }
}
