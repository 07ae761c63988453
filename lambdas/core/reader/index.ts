/** The reader's policy over its ports (see docs/reader.md). */
export { readerOver, type ReaderPolicyOptions } from './reader.ts';
export { transformingFallback } from './fallback.ts';
export type { IndexHit, LiveRecordReads, ReadResult, ReadSource, Reader, ReaderFallback, ReaderPorts } from './ports.ts';
