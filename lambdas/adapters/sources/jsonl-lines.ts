/**
 * Lines of a JSON-lines file, streamed from an open handle: the whole file for its index, or the
 * lines starting in one byte range (a block) for a scan segment.
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/** One non-blank line. */
export interface Line {
  /** Byte offset of the line's first byte (just after the previous newline). */
  start: number;
  /** Byte offset of the line's content, without leading blanks. */
  offset: number;
  /** The content, without surrounding blanks (and a CRLF file's `\r`). */
  bytes: Buffer;
}

/** What to stream: lines starting in [from, to), reading no further than `limit`. */
export interface LineRange {
  from: number;
  to: number;
  /** The size of the file version being read: bytes past it are never read. */
  limit: number;
  signal?: AbortSignal | undefined;
  /** Receives the CRC-32 of the bytes [from, min(to, limit)) once they have all been read. */
  onChecksum?: ((crc: number) => void) | undefined;
}

const NEWLINE = 0x0a;
const CHUNK_BYTES = 64 * 1024;

/**
 * The non-blank lines starting in `[from, to)`, streamed. A line that starts in the range and
 * ends after it is read whole; one that starts before it is left to the range holding its start.
 */
export async function* linesOf(handle: FileHandle, range: LineRange): AsyncGenerator<Line> {
  const end = Math.min(range.to, range.limit);
  if (range.from >= end) return;
  // From one byte before the range: a newline there means a line starts at `from`.
  const readFrom = Math.max(0, range.from - 1);
  const checksum = new RangeChecksum(range.from, end, range.onChecksum);
  let carry: Buffer = Buffer.alloc(0);
  let carryStart = readFrom;
  let skipping = range.from > 0;
  for await (const chunk of chunksOf(handle, readFrom, range.limit, range.signal)) {
    checksum.add(chunk, carryStart + carry.length);
    const data: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let newline = data.indexOf(NEWLINE); newline !== -1; newline = data.indexOf(NEWLINE, start)) {
      if (carryStart + start >= end && !skipping) return;
      if (!skipping) {
        const line = lineAt(data, start, newline, carryStart);
        if (line) yield line;
      }
      skipping = false;
      start = newline + 1;
    }
    carry = data.subarray(start);
    carryStart += start;
  }
  if (!skipping && carryStart < end) {
    const line = lineAt(carry, 0, carry.length, carryStart);
    if (line) yield line;
  }
}

/** The bytes [from, limit) of the file in chunks of `CHUNK_BYTES`, fewer if the file is shorter now. */
async function* chunksOf(handle: FileHandle, from: number, limit: number, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  for (let at = from; at < limit; ) {
    signal?.throwIfAborted();
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, limit - at));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
    if (bytesRead === 0) return;
    yield chunk.subarray(0, bytesRead);
    at += bytesRead;
  }
}

/** The line in `data[start, newline)`, or `undefined` when it is blank. */
function lineAt(data: Buffer, start: number, newline: number, base: number): Line | undefined {
  let from = start;
  let to = newline;
  while (from < to && isBlank(data[from] as number)) from++;
  while (to > from && isBlank(data[to - 1] as number)) to--;
  return to > from ? { start: base + start, offset: base + from, bytes: data.subarray(from, to) } : undefined;
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/** The CRC-32 of the bytes [from, to) of a stream, fed chunk by chunk. */
class RangeChecksum {
  private crc = 0;
  private done = false;

  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly report: ((crc: number) => void) | undefined,
  ) {}

  /** Adds `chunk`, which starts at byte `at` of the file. */
  add(chunk: Buffer, at: number): void {
    if (!this.report || this.done) return;
    const first = Math.max(this.from, at);
    const last = Math.min(this.to, at + chunk.length);
    if (last > first) this.crc = crc32(chunk.subarray(first - at, last - at), this.crc);
    if (at + chunk.length >= this.to) {
      this.done = true;
      this.report(this.crc);
    }
  }
}
