/**
 * The one set of in-memory adapters the unit tests use. Each runs under the same contract suite
 * as the DynamoDB and Redis adapters (test/integration/store/*.contract.test.ts), so a unit test
 * cannot pass on behaviour no real store has. Each operation yields to the event loop first, so
 * concurrent callers interleave as they do against a real store.
 */
export { MemoryAuditReports, MemoryDifferenceCounters, MemoryQuarantine, savedReports } from './checks.ts';
export { MemoryChildResults } from './child-results.ts';
export { MemoryControl } from './control.ts';
export { MemoryCatchUpLog, MemoryGenerationCounter, MemoryIndex } from './index-store.ts';
export { MemoryEmbeddingCache } from './embeddings.ts';
export { MemoryNotifier, MemoryScheduler } from './outbox.ts';
export { MemoryReservations } from './reservations.ts';
export { MemorySource } from './source.ts';
