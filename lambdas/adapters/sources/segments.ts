/** Scan segments shared by the sources: validation, and a stable hash partition of ids. */
import type { ScanOptions } from '../../core/ports.ts';

/** Throws a `RangeError` on a segment outside [0, totalSegments). */
export function checkSegment(options: Pick<ScanOptions, 'segment' | 'totalSegments'>): void {
  const { segment, totalSegments } = options;
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || !Number.isInteger(segment) || segment < 0 || segment >= totalSegments) {
    throw new RangeError(`invalid scan segment ${segment} of ${totalSegments}`);
  }
}

/**
 * The segment an id belongs to among `totalSegments`: FNV-1a (32 bits) of its UTF-8 bytes,
 * modulo the count. Stable across processes and runs, so parallel scanners agree.
 */
export function segmentOf(id: string, totalSegments: number): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(id)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % totalSegments;
}

/**
 * The blocks of segment `segment` of `totalSegments` in a file of `size` bytes cut in blocks of
 * `blockBytes`: `segment`, `segment + totalSegments`, ... A line belongs to the block holding its
 * first byte, so the split does not depend on the file's size: lines appended later never move
 * the lines already there to another segment.
 */
export function blocksOfSegment(segment: number, totalSegments: number, size: number, blockBytes: number): number[] {
  const blocks: number[] = [];
  for (let block = segment; block * blockBytes < size; block += totalSegments) blocks.push(block);
  return blocks;
}
