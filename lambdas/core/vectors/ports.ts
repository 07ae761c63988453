/**
 * The ports of "similar items" (docs/vectors.md): an approximate nearest-neighbour engine the
 * core drives through numeric keys, and the journal of changed ids that keeps its indexes fresh.
 */
import type { CatchUpLog, QuarantineStore, PointerStore, RecordStore } from '../ports.ts';

/** One neighbour an engine found: its key and its distance to the query (smaller is nearer). */
export interface EngineMatch {
  key: number;
  distance: number;
}

/** An approximate nearest-neighbour index of one generation (HNSW in usearch on every deployment). */
export interface VectorEngineIndex {
  /** Adds `vector` under `key` (a key is never reused: an update is a remove and an add of a new key). */
  add(key: number, vector: Float32Array): void;
  /** Adds many at once (the build of a generation's index), on every core the engine may use. */
  addMany(keys: readonly number[], vectors: readonly Float32Array[]): void;
  remove(key: number): void;
  /** Up to `k` nearest keys, nearest first, by cosine distance. */
  search(vector: Float32Array, k: number): EngineMatch[];
  /** Vectors held. */
  size(): number;
}

/** Creates an empty engine index for vectors of `dimensions`, sized for about `capacity` of them. */
export type VectorEngine = (dimensions: number, capacity: number) => VectorEngineIndex;

/**
 * What similar() reads: pointers and quarantine as the reader does, records with their vectors
 * (point reads and scans of a generation) and the journal the apply path writes.
 */
export interface SimilarPorts {
  pointers: Pick<PointerStore, 'readPointer'>;
  quarantine: Pick<QuarantineStore, 'list'>;
  records: Pick<RecordStore, 'getRecords' | 'scanGeneration'>;
  journal: Pick<CatchUpLog, 'read'>;
  engine: VectorEngine;
}
