/** Similar items over a vector index per generation (see docs/vectors.md). */
export { cosineDistance } from './distance.ts';
export { NoVectorsError } from './errors.ts';
export { DEFAULT_TUNING, GenerationIndex, type IndexTuning } from './generation-index.ts';
export { JOURNAL_SLICE_MS, journalLogName, journalingStore, readJournal, sliceOf, type JournalingOptions } from './journal.ts';
export type { EngineMatch, SimilarPorts, VectorEngine, VectorEngineIndex } from './ports.ts';
export { SimilarItems, type LiveState, type SimilarItem, type SimilarOptions } from './similar.ts';
