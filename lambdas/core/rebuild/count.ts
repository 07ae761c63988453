import type { RecordStore } from '../ports.ts';
import type { GenerationCounter } from './ports.ts';

/**
 * Counts a generation's live records by scanning it in `segments` parallel segments. Stores with
 * a cheaper count (DynamoDB's `Select: COUNT`) provide their own `GenerationCounter`.
 */
export function scanCounter(records: RecordStore, segments: number): GenerationCounter {
  return {
    async countLive(type, generation) {
      const counts = await Promise.all(
        Array.from({ length: segments }, async (_, segment) => {
          let live = 0;
          for await (const page of records.scanGeneration(type, generation, { segment, totalSegments: segments })) {
            live += page.filter((record) => !record.deleted).length;
          }
          return live;
        }),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    },
  };
}
