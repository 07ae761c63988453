/**
 * `freshindex/reader`: the library the online recommender reads the index with.
 *
 * @example
 * import { createReader, sourceFallback } from 'freshindex/reader';
 * const reader = createReader({ indexTable: 'freshindex-index', controlTable: 'freshindex-control', fallback: sourceFallback(config) });
 * const results = await reader.getMany('video', ['v-1', 'v-2']);
 *
 * @packageDocumentation
 */
export { createReader, type Reader, type ReaderFallback, type ReaderOptions, type ReadResult, type ReadSource } from './reader.ts';
export { sourceFallback } from './fallback.ts';
export type { UnprocessedRetry } from '../adapters/dynamodb/batch.ts';
