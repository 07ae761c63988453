import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/core/errors.ts';
import type { ScanOptions, Source, SourceDoc } from '../../../lambdas/core/ports.ts';
import { loadGeneration } from '../../../lambdas/core/rebuild/load.ts';
import { ProgressTracker } from '../../../lambdas/core/rebuild/progress.ts';
import { MemoryIndex, MemorySource } from '../../support/memory/index.ts';
import { doc, TYPE, videoType } from './support/world.ts';

describe('bulk load', () => {
  it('keeps at most writesInFlight bulk writes and a bounded number of records in memory whatever the source size', async () => {
    // Prepare
    const source = new MemorySource();
    for (let i = 0; i < 5_000; i++) source.docs.set(`d${i}`, doc(`d${i}`, 1));
    const index = new MemoryIndex();
    let inFlight = 0;
    let maxInFlight = 0;
    let scanned = 0;
    let maxPending = 0;
    source.beforePage = async () => {
      scanned += 50;
      maxPending = Math.max(maxPending, scanned - index.size(TYPE, 2));
    };
    index.onBulkPut = async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
    };
    const tuning = { segments: 4, pageSize: 50, chunkSize: 25, writesInFlight: 3 };

    // Act
    const result = await loadGeneration({
      type: videoType(), source, records: index, generation: 2, tuning, tombstoneTtlSeconds: 60, sampleSize: 10,
      clock: Date.now, random: Math.random, progress: new ProgressTracker(Date.now, 1_000, () => {}),
    });

    // Assess
    expect(result.loaded).toBe(5_000);
    expect(maxInFlight).toBe(3);
    // Pages being transformed, chunks waiting for a write slot and writes in flight: never the whole type.
    expect(maxPending).toBeLessThanOrEqual(tuning.segments * (tuning.pageSize + tuning.chunkSize) * 2 + tuning.writesInFlight * tuning.chunkSize);
  });

  it('draws the gate sample from every part of the source', async () => {
    // Prepare
    const source = new MemorySource();
    for (let i = 0; i < 2_000; i++) source.docs.set(`d${i}`, doc(`d${i}`, 1));

    // Act
    const result = await loadGeneration({
      type: videoType(), source, records: new MemoryIndex(), generation: 2, tuning: { segments: 2, pageSize: 100, chunkSize: 50, writesInFlight: 2 },
      tombstoneTtlSeconds: 60, sampleSize: 100, clock: Date.now, random: Math.random, progress: new ProgressTracker(Date.now, 1_000, () => {}),
    });

    // Assess
    const numbers = result.sample.map((id) => Number(id.slice(1)));
    expect(new Set(result.sample).size).toBe(100);
    expect(numbers.some((n) => n < 1_000)).toBe(true);
    expect(numbers.some((n) => n >= 1_000)).toBe(true);
  });

  it('fails with the error of the segment that stopped the load, not the AbortErrors of the segments it stopped', async () => {
    // Prepare: segment 0 waits for its page until the load stops it, then rejects as fetch does;
    // segment 1's source answers 503.
    const outage = new SourceError('the CMS answered 503', { retryable: true });
    const source: Source = {
      get: async () => undefined,
      getMany: async () => new Map(),
      async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
        if (options.segment === 1) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw outage;
        }
        await new Promise((_, reject) =>
          options.signal?.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')), { once: true }),
        );
        yield [];
      },
    };

    // Act
    const load = loadGeneration({
      type: videoType(), source, records: new MemoryIndex(), generation: 2, tuning: { segments: 2, pageSize: 10, chunkSize: 10, writesInFlight: 2 },
      tombstoneTtlSeconds: 60, sampleSize: 10, clock: Date.now, random: Math.random, progress: new ProgressTracker(Date.now, 1_000, () => {}),
    });

    // Assess
    await expect(load).rejects.toBe(outage);
  });
});
