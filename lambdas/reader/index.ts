/**
 * `freshindex/reader`: the library the online recommender reads the index with, on DynamoDB or
 * Redis / Valkey (the config's `store`). See docs/reader.md.
 *
 * @example
 * import { createReader, sourceFallback } from 'freshindex/reader';
 * const reader = createReader({ indexTable: 'freshindex-index', controlTable: 'freshindex-control', fallback: sourceFallback(config) });
 * const results = await reader.getMany('video', ['v-1', 'v-2']);
 *
 * @packageDocumentation
 */
export { createReader, sourceFallback, type ReaderOptions, type UnprocessedRetry } from '../adapters/compose/reader.ts';
export type { Reader, ReaderFallback, ReadResult, ReadSource } from '../core/reader/index.ts';
export { NoVectorsError, type SimilarItem, type SimilarOptions } from '../core/vectors/index.ts';
